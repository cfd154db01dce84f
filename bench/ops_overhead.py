"""What ``lucien.ops`` adds to one update, measured apart from the update itself.

The whole-path benchmark (``update_latency``) compares the webhook with and without the
seam, but on a busy machine the difference drowns in noise. Here the seam's own work is
timed directly: ``run_observed`` minus the ``process_update`` it wraps (observation set-up,
the JSON log line, the shared metrics write, the profile-request check), plus the probes
that run inside the update (per SQL statement, per Telegram call), timed in a loop.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.update_latency import bench_runtime, json_logs, post_start
from lucien import pipeline
from lucien.db.migrations import upgrade
from lucien.ops.observe import Observation, _on_sql, observing
from lucien.runtime import Runtime
from lucien.telegram.double import TgUser
from lucien.web.webhook import create_webhook_app

N = 300

Step = Callable[[Runtime, Any], Awaitable[pipeline.Outcome]]


def _timed(step: Step) -> tuple[list[float], Step]:
    """``step`` wrapped to note each call's milliseconds in the list returned with it."""
    spent: list[float] = []

    async def timed(rt: Runtime, update: Any) -> pipeline.Outcome:
        started = time.perf_counter()
        try:
            return await step(rt, update)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    return spent, timed


async def seam_cost(database_url: str, redis_url: str | None) -> list[float]:
    runtime, double = bench_runtime(database_url, redis_url)
    original = pipeline.process_update
    inner_ms, timed = _timed(original)

    from lucien.ops import seam

    observed = seam.run_observed
    outer_ms, outer = _timed(observed)

    from lucien.web import webhook

    pipeline.process_update = timed  # type: ignore[assignment]
    webhook.run_observed = outer  # type: ignore[assignment]
    users = [TgUser(id=30_000 + i, first_name=f"Alma {i}") for i in range(10)]
    try:
        app = create_webhook_app(runtime)
        with json_logs():
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as client:
                for i in range(N):
                    await post_start(client, double, users[i % len(users)])
    finally:
        pipeline.process_update = original  # type: ignore[assignment]
        webhook.run_observed = observed  # type: ignore[assignment]
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
