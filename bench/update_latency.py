"""Per-update latency through the whole webhook path, warm process.

Posts ``/start`` updates (distinct update ids, a handful of users) to the webhook ASGI app
with Telegram as the in-process double: secret check, parsing, ledger claim, FSM storage
choice, context middleware (user upsert, role, configuration, voice memory), handler,
``sendMessage``, ledger completion. Reported per backend.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import text

from bench.databases import sandboxed_runtime
from lucien.db.migrations import upgrade
from lucien.runtime import Runtime
from lucien.settings import load_settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.web.webhook import create_webhook_app

N = 300


def bench_runtime(database_url: str, redis_url: str | None) -> tuple[Runtime, TelegramDouble]:
    """A runtime on ``database_url`` (and Redis) with Telegram as the in-process double."""
    runtime = sandboxed_runtime(database_url, redis_url)
    assert runtime.double is not None
    return runtime, runtime.double


async def post_start(client: httpx.AsyncClient, double: TelegramDouble, user: TgUser) -> None:
    update = double.updates.command(user, "/start")
    response = await client.post(
        "/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "bench"}
    )
    assert response.status_code == 200, response.text


async def measure(database_url: str, redis_url: str | None) -> list[float]:
    runtime, double = bench_runtime(database_url, redis_url)
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


@contextmanager
def json_logs() -> Iterator[None]:
    """As in production: ``lucien`` at INFO, every line JSON-formatted (then discarded)."""
    from lucien.ops.logs import JsonFormatter

    class Discard(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            self.format(record)

    sink = Discard()
    sink.setFormatter(JsonFormatter())
    lucien_log = logging.getLogger("lucien")
    level = lucien_log.level
    lucien_log.addHandler(sink)
    lucien_log.setLevel(logging.INFO)
    try:
        yield
    finally:
        lucien_log.removeHandler(sink)
        lucien_log.setLevel(level)


async def observability_cost(database_url: str, redis_url: str | None) -> dict[str, list[float]]:
    """The same ``/start`` with and without ``lucien.ops`` (observation, JSON-ready log
    line, shared metrics), alternating request by request so machine load hits both alike."""
    from lucien import pipeline
    from lucien.web import webhook

    observed = webhook.run_observed

    async def plain(runtime: Runtime, update: object) -> object:
        return await pipeline.process_update(runtime, update)  # type: ignore[arg-type]

    runtime, double = bench_runtime(database_url, redis_url)
    app = create_webhook_app(runtime)
    users = [TgUser(id=20_000 + i, first_name=f"Alma {i}") for i in range(10)]
    timings: dict[str, list[float]] = {"with lucien.ops": [], "without": []}
    try:
        with json_logs():
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as client:
                for i in range(2 * N):
                    name = "with lucien.ops" if i % 2 == 0 else "without"
                    webhook.run_observed = observed if i % 2 == 0 else plain  # type: ignore[assignment]
                    started = time.perf_counter()
                    await post_start(client, double, users[i % len(users)])
                    timings[name].append((time.perf_counter() - started) * 1000)
    finally:
        webhook.run_observed = observed
        await runtime.aclose()
    return {name: values[20:] for name, values in timings.items()}


def report(name: str, timings: list[float]) -> None:
    q = statistics.quantiles(timings, n=100)
    print(
        f"update_latency {name}: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
        f"mean {statistics.fmean(timings):.1f} ms (n={len(timings)})"
    )


async def ledger_cost(database_url: str, redis_url: str) -> dict[str, list[float]]:
    """What the retry-safe ledger costs per update on PostgreSQL + Redis.

    Claim + complete of fresh update ids, interleaved so machine load hits each alike:
    the Redis ledger alone (one Lua claim, one pipelined completion); plus the database
    done-mark read as shipped (on the update's already open first transaction); and as
    first written (on a connection of its own) — the reason for the shipped design.
    """
    from redis.asyncio import Redis

    from lucien.ledger import DatabaseLedger, RedisLedger, check_done_mark, verify_done_mark

    settings = load_settings(bot_token="1:BENCH", database_url=database_url)
    runtime = Runtime(settings)
    redis = Redis.from_url(redis_url)
    prefix = f"bench-{uuid.uuid4().hex[:6]}:"
    marks = DatabaseLedger(runtime.sessions, 60)
    ledger = RedisLedger(redis, prefix, 60, verify=True)

    async def redis_only(update_id: int) -> float:
        started = time.perf_counter()
        await ledger.claim(update_id)
        await ledger.complete(update_id)
        return time.perf_counter() - started

    async def on_open_transaction(update_id: int) -> float:
        # The update opens this transaction anyway: only the read inside it is counted.
        started = time.perf_counter()
        ticket = await ledger.claim(update_id)
        spent = time.perf_counter() - started
        async with runtime.sessions.begin() as session:
            # The update's own first statement (BEGIN is sent lazily with it) stands in.
            await session.execute(text("SELECT 1"))
            started = time.perf_counter()
            with verify_done_mark(ticket, update_id):
                await check_done_mark(session)
            spent += time.perf_counter() - started
        started = time.perf_counter()
        await ledger.complete(update_id)
        return spent + time.perf_counter() - started

    async def own_connection(update_id: int) -> float:
        started = time.perf_counter()
        await ledger.claim(update_id)
        await marks.is_done(update_id)
        await ledger.complete(update_id)
        return time.perf_counter() - started

    variants = {
        "redis only": redis_only,
        "+ done-mark read on the open transaction (shipped)": on_open_transaction,
        "+ done-mark read on its own connection (rejected)": own_connection,
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    base = 10**12 + int(time.time()) * 10
    for i in range(N):
        for n, (name, run) in enumerate(variants.items()):
            timings[name].append(await run(base + len(variants) * i + n) * 1000)
    keys = [k async for k in redis.scan_iter(match=f"{prefix}*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
    await runtime.aclose()
    return {name: values[20:] for name, values in timings.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        report("sqlite", asyncio.run(measure(url, None)))
        for name, values in asyncio.run(observability_cost(url, None)).items():
            report(f"sqlite, {name}", values)
    pg = os.environ.get("LUCIEN_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("LUCIEN_BENCH_REDIS", "redis://127.0.0.1:6379/0")
    try:
        upgrade(pg)
        report("postgres+redis", asyncio.run(measure(pg, redis)))
        for name, values in asyncio.run(observability_cost(pg, redis)).items():
            report(f"postgres+redis, {name}", values)
        for name, values in asyncio.run(ledger_cost(pg, redis)).items():
            report(f"ledger claim+complete, {name}", values)
    except Exception as exc:  # servers not running here
        print(f"update_latency postgres+redis: skipped ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()
