"""What ``lucien.ops`` adds to one update, measured apart from the update itself.

The whole-path benchmark (``update_latency``) compares the webhook with and without the
seam, but on a busy machine the difference drowns in noise. Here the seam's own work is
timed directly: ``run_observed`` minus the ``process_update`` it wraps (observation set-up,
the JSON log line, the shared metrics write, the profile-request check), plus the probes
that run inside the update (per SQL statement, per Telegram call), timed in a loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
import time
import uuid

import httpx

from lucien import pipeline
from lucien.db.migrations import upgrade
from lucien.ops.logs import JsonFormatter
from lucien.ops.observe import Observation, _on_sql, observing
from lucien.runtime import Runtime
from lucien.settings import load_settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.web.webhook import create_webhook_app

N = 300


class _Discard(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


async def seam_cost(database_url: str, redis_url: str | None) -> list[float]:
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
    inner_ms: list[float] = []
    original = pipeline.process_update

    async def timed(rt: Runtime, update: object) -> pipeline.Outcome:
        started = time.perf_counter()
        try:
            return await original(rt, update)  # type: ignore[arg-type]
        finally:
            inner_ms.append((time.perf_counter() - started) * 1000)

    from lucien.ops import seam

    outer_ms: list[float] = []
    observed = seam.run_observed

    async def outer(rt: Runtime, update: object) -> pipeline.Outcome:
        started = time.perf_counter()
        try:
            return await observed(rt, update)  # type: ignore[arg-type]
        finally:
            outer_ms.append((time.perf_counter() - started) * 1000)

    from lucien.web import webhook

    sink = _Discard()
    sink.setFormatter(JsonFormatter())
    lucien_log = logging.getLogger("lucien")
    lucien_log.addHandler(sink)
    lucien_log.setLevel(logging.INFO)
    pipeline.process_update = timed  # type: ignore[assignment]
    webhook.run_observed = outer  # type: ignore[assignment]
    users = [TgUser(id=30_000 + i, first_name=f"Alma {i}") for i in range(10)]
    try:
        app = create_webhook_app(runtime)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            for i in range(N):
                update = double.updates.command(users[i % len(users)], "/start")
                response = await client.post(
                    "/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "bench"}
                )
                assert response.status_code == 200, response.text
    finally:
        pipeline.process_update = original  # type: ignore[assignment]
        webhook.run_observed = observed  # type: ignore[assignment]
        lucien_log.removeHandler(sink)
        await runtime.aclose()
    return [o - i for o, i in zip(outer_ms, inner_ms, strict=True)][20:]


def probe_cost() -> float:
    """Microseconds per SQL statement counted (the Telegram probe does the same work)."""
    obs = Observation(kind="bench")
    statement = "SELECT users.id, users.first_name FROM users WHERE users.id = ?"
    rounds = 200_000
    with observing(obs):
        started = time.perf_counter()
        for _ in range(rounds):
            _on_sql(None, None, statement)
        spent = time.perf_counter() - started
    return spent / rounds * 1e6


def report(name: str, values: list[float]) -> None:
    q = statistics.quantiles(values, n=100)
    print(f"ops_overhead {name}: p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms (n={len(values)})")


def main() -> None:
    print(f"ops_overhead SQL probe: {probe_cost():.2f} µs per statement")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        report("seam, sqlite (metrics in the database)", asyncio.run(seam_cost(url, None)))
    pg = os.environ.get("LUCIEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("LUCIEN_BENCH_REDIS", "redis://127.0.0.1:6379/0")
    try:
        upgrade(pg)
        report("seam, postgres+redis (metrics in Redis)", asyncio.run(seam_cost(pg, redis)))
    except Exception as exc:  # servers not running here
        print(f"ops_overhead postgres+redis: skipped ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()
