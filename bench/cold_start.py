"""Cold start: a fresh interpreter importing a function entry, then its first request.

A serverless function pays this on every cold start. Measured in subprocesses so nothing
is cached between samples (except the OS file cache, as on a warm Lambda host).

Also the floor under it: the same interpreter importing only the third-party stack the
webhook is served with (uvicorn with uvloop and httptools, aiogram as
``lucien.lazy_types`` loads it, SQLAlchemy's ORM and asyncio with its PostgreSQL dialect,
redis-py, Starlette, Mangum), under the entry's conditions: uvicorn loaded with the
collector on, the rest with it off. Whatever Lucien does, its webhook cannot be loaded
faster or smaller than that; the difference is Lucien's own share. (asyncpg itself is
loaded by the first update, as the entry does.)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 7

PROBE = r"""
import asyncio, json, os, time
t0 = time.perf_counter()
import functions.webhook as fw
t1 = time.perf_counter()
import httpx
async def first():
    transport = httpx.ASGITransport(app=fw.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as c:
        update = {"update_id": 1, "message": {"message_id": 1, "date": 1790000000, "text": "/start",
                  "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                  "chat": {"id": 9, "type": "private", "first_name": "A"},
                  "from": {"id": 9, "is_bot": False, "first_name": "A"}}}
        r = await c.post("/webhook", json=update)
        assert r.status_code == 200, r.text
asyncio.run(first())
t2 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_update_ms": (t2 - t1) * 1000}))
"""

RSS = """
def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")
"""

FLOOR = (
    RSS
    + r"""
import gc, json, time
t0 = time.perf_counter()
import asyncio, uvicorn.main, uvicorn.protocols.http.httptools_impl, uvloop
gc.disable()  # where functions.webhook turns it off
import lucien.lazy_types
import aiogram, aiogram.client.session.aiohttp
import sqlalchemy.orm, sqlalchemy.ext.asyncio, sqlalchemy.dialects.postgresql.asyncpg
import redis.asyncio
import starlette.applications, starlette.routing, starlette.responses, mangum
t1 = time.perf_counter()
print(json.dumps({"floor_import_ms": (t1 - t0) * 1000, "floor_rss_mib": rss_mib()}))
"""
)

ENTRY = (
    RSS
    + r"""
import json, time
t0 = time.perf_counter()
import asyncio, uvicorn.main, uvicorn.protocols.http.httptools_impl, uvloop
import functions.webhook
t1 = time.perf_counter()
print(json.dumps({"served_import_ms": (t1 - t0) * 1000, "served_rss_mib": rss_mib()}))
"""
)


def sample(db: str, probe: str = PROBE) -> dict[str, float]:
    env = {"DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    from lucien.db.migrations import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/bench.db"
        upgrade(f"sqlite:///{db}")
        runs = [sample(db) | sample(db, FLOOR) | sample(db, ENTRY) for _ in range(SAMPLES)]
    for key in (
        "import_ms",
        "first_update_ms",
        "floor_import_ms",
        "served_import_ms",
        "floor_rss_mib",
        "served_rss_mib",
    ):
        values = [r[key] for r in runs]
        unit = "MiB" if key.endswith("mib") else "ms"
        print(
            f"cold_start {key}: median {statistics.median(values):.0f} {unit} "
            f"(min {min(values):.0f}, max {max(values):.0f}, n={SAMPLES})"
        )
    share = [r["served_import_ms"] - r["floor_import_ms"] for r in runs]
    memory = [r["served_rss_mib"] - r["floor_rss_mib"] for r in runs]
    print(
        f"cold_start Lucien's own share: median {statistics.median(share):.0f} ms, "
        f"{statistics.median(memory):.0f} MiB over the floor"
    )


if __name__ == "__main__":
    main()
