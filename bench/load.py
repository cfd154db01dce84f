"""Concurrent load: ``uvicorn functions.webhook:app`` under a closed loop of clients.

    python -m bench.load [N] [C]          # default 400 updates, 8 clients, SQLite
    DATABASE_URL=postgresql://… REDIS_URL=redis://… python -m bench.load

The webhook runs as deployed (its own process, uvicorn, ``TELEGRAM_API_URL`` pointing at
a minimal Bot API stand-in served by this script); C clients each send the next of N
distinct ``/start`` updates as soon as their previous one is answered. Printed: throughput,
p50/p99 latency, errors, the server's CPU per update and its peak RSS. Without
``DATABASE_URL`` a fresh SQLite file is migrated (the embedded default).
``../shared/bench/compare.sh`` runs the same kind of load beside a conventional aiogram
server; this one needs nothing but the project.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _telegram_stand_in(port: int) -> threading.Thread:
    """Answers every Bot API method (sendMessage with a message), in a thread."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    counter = {"n": 0}

    async def method(request: Request) -> JSONResponse:
        counter["n"] += 1
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        chat_id = int(form.get("chat_id") or 1)
        if request.path_params["method"].lower() == "sendmessage":
            result: Any = {
                "message_id": counter["n"],
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": str(form.get("text", ""))[:50],
            }
        else:
            result = True
        return JSONResponse({"ok": True, "result": result})

    app = Starlette(routes=[Route("/bot{token}/{method}", method, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return thread


def _update(i: int, base: int) -> dict[str, Any]:
    uid = base + i
    return {
        "update_id": base * 10 + i,
        "message": {
            "message_id": i,
            "date": int(time.time()),
            "chat": {"id": uid, "type": "private", "first_name": "U"},
            "from": {"id": uid, "is_bot": False, "first_name": f"U{i}"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def _load(url: str, n: int, c: int, base: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    todo = iter(range(n))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            for i in todo:
                t = time.perf_counter()
                r = await client.post(url, json=_update(i, base), headers=headers)
                latencies.append(time.perf_counter() - t)
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(c)))
        wall = time.perf_counter() - t0
    latencies.sort()
    return {
        "n": n,
        "c": c,
        "rps": round(n / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1),
        "errors": errors,
    }


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU the process has used (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 400
    c = int(args[1]) if len(args) > 1 else 8
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            from lucien.db.migrations import upgrade

            env["DATABASE_URL"] = f"sqlite:///{tmp}/load.db"
            env.pop("REDIS_URL", None)
            upgrade(env["DATABASE_URL"])
        tg, web = _free_port(), _free_port()
        _telegram_stand_in(tg)
        env.update(
            BOT_TOKEN="42:BENCH",
            WEBHOOK_SECRET=SECRET,
            TELEGRAM_API_URL=f"http://127.0.0.1:{tg}",
            LUCIEN_ENV="development",
        )
        # BENCH_PROFILE=out.txt (or .html, .pstats …): the server runs under pyinstrument.
        profile = os.environ.get("BENCH_PROFILE")
        profiler = ("-m", "pyinstrument", "-o", profile) if profile else ()
        server = subprocess.Popen(
            [
                *(sys.executable, *profiler, "-m", "uvicorn", "functions.webhook:app"),
                *("--port", str(web), "--no-access-log", "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stderr=open(Path(tmp) / "server.log", "w"),
        )
        try:
            url = f"http://127.0.0.1:{web}/webhook"
            for _ in range(600):
                try:
                    httpx.get(f"http://127.0.0.1:{web}/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            base = 100_000 + int(time.time()) % 100_000 * 10
            asyncio.run(_load(url, 20, 2, base - 1000))  # warm-up: first use builds types
            cpu_before = _cpu_seconds(server.pid)
            result = asyncio.run(_load(url, n, c, base))
            cpu_after = _cpu_seconds(server.pid)
            if cpu_before is not None and cpu_after is not None:
                # The server's own CPU per update: unlike throughput, barely moved by other
                # work on a shared machine (which only takes turns on the cores).
                result["cpu_ms_per_update"] = round((cpu_after - cpu_before) * 1000 / n, 2)
            backend = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
            result.update(
                backend=backend + (" + redis" if env.get("REDIS_URL") else ""),
                peak_rss_mib=_peak_rss_mib(server.pid),
            )
            print(json.dumps(result))
            if result["errors"]:
                print((Path(tmp) / "server.log").read_text()[-3000:], file=sys.stderr)
        finally:
            server.send_signal(signal.SIGINT)  # a clean exit, so the profiler writes its report
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
