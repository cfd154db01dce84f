"""Per-update latency through the whole webhook path, warm process.

Posts ``/start`` updates (distinct update ids, a handful of users) to the webhook ASGI app
with Telegram as the in-process double: secret check, parsing, ledger claim, FSM storage
choice, context middleware (user upsert, role, configuration, voice memory), handler,
``sendMessage``, ledger completion. Reported per backend.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid

import httpx

from lucien.db.migrations import upgrade
from lucien.runtime import Runtime
from lucien.settings import load_settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.web.webhook import create_webhook_app

N = 300


async def measure(database_url: str, redis_url: str | None) -> list[float]:
    double = TelegramDouble()
    settings = load_settings(
        bot_token="1:BENCH",
        database_url=database_url,
        redis_url=redis_url or "",
        webhook_secret="bench",
        redis_prefix=f"bench-{uuid.uuid4().hex[:6]}:",
    )
    runtime = Runtime(
        settings, telegram_transport=httpx.ASGITransport(app=double.app), double=double
    )
    app = create_webhook_app(runtime)
    users = [TgUser(id=10_000 + i, first_name=f"Alma {i}") for i in range(10)]
    timings: list[float] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        for i in range(N):
            update = double.updates.command(users[i % len(users)], "/start")
            started = time.perf_counter()
            response = await client.post(
                "/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "bench"}
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    await runtime.aclose()
    return timings[20:]  # first requests warm caches and connections


def report(name: str, timings: list[float]) -> None:
    q = statistics.quantiles(timings, n=100)
    print(
        f"update_latency {name}: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
        f"mean {statistics.fmean(timings):.1f} ms (n={len(timings)})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        report("sqlite", asyncio.run(measure(url, None)))
    pg = os.environ.get("LUCIEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("LUCIEN_BENCH_REDIS", "redis://127.0.0.1:6379/0")
    try:
        upgrade(pg)
        report("postgres+redis", asyncio.run(measure(pg, redis)))
    except Exception as exc:  # servers not running here
        print(f"update_latency postgres+redis: skipped ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()
