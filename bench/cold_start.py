"""Cold start: a fresh interpreter importing a function entry, then its first request.

A serverless function pays this on every cold start. Measured in subprocesses so nothing
is cached between samples (except the OS file cache, as on a warm Lambda host).
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


def sample(db: str) -> dict[str, float]:
    env = {"DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
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
        runs = [sample(db) for _ in range(SAMPLES)]
    for key in ("import_ms", "first_update_ms"):
        values = [r[key] for r in runs]
        print(
            f"cold_start {key}: median {statistics.median(values):.0f} ms "
            f"(min {min(values):.0f}, max {max(values):.0f}, n={SAMPLES})"
        )


if __name__ == "__main__":
    main()
