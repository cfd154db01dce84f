"""No repetition: a user never sees the same variant of a message twice in a row.

Each "request" builds a fresh Voice, loads once, renders, saves once — the deployed shape
(stateless requests) — on the memory, database (SQLite, PostgreSQL) and Redis histories.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from lucien.db.models import Base, VoiceHistory
from lucien.voice import (
    DatabaseVariantHistory,
    MemoryVariantHistory,
    RedisVariantHistory,
    VariantHistory,
    Voice,
)
from lucien.voice.data import Role
from lucien.voice.history import WINDOW
from tests.conftest import PG_ADMIN_URL, REDIS_URL, _pg_admin, _unavailable

NOON = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City → "afternoon"
USER = 4242


class Clock:
    def __init__(self, start: datetime = NOON) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def one_request(
    history: VariantHistory, clock: Clock, rng: random.Random, render: Callable[[Voice], Any]
) -> list[tuple[str, int]]:
    voice = Voice(history=history, user_id=USER, now=clock, rng=rng)
    await voice.load()
    render(voice)
    await voice.save()
    return voice.choices


def greeting(voice: Voice) -> Any:
    return voice.start.greeting_line(name="Ana", role=Role.VIP)


def assert_no_repetition(sequence: list[int], count: int) -> None:
    """Never the same twice in a row; with ≥3 variants, never one of the last two."""
    keep = min(2, count - 1)
    for n in range(1, len(sequence)):
        recent = sequence[max(0, n - keep) : n]
        assert sequence[n] not in recent, (n, sequence[max(0, n - 3) : n + 1])
    assert set(sequence) == set(range(count)), "every variant should come up"


async def run_100(
    history: VariantHistory, clock: Clock | None = None, *, seed: int = 7
) -> dict[str, list[int]]:
    """A hundred requests, five seconds apart: each variant key → the indexes shown."""
    clock = clock or Clock()
    rng = random.Random(seed)
    seen: dict[str, list[int]] = {}
    for _ in range(100):
        for key, index in await one_request(history, clock, rng, greeting):
            seen.setdefault(key, []).append(index)
        clock.now += timedelta(seconds=5)
    return seen


def check_runs(seen: dict[str, list[int]]) -> None:
    assert set(seen) == {"start.greeting.afternoon", "start.role.vip"}
    for sequence in seen.values():
        assert len(sequence) == 100
        assert_no_repetition(sequence, 3)


async def test_memory_history_never_repeats_across_requests() -> None:
    clock = Clock()
    history = MemoryVariantHistory(now=clock)
    seen = await run_100(history, clock, seed=1)
    check_runs(seen)
    assert history.loads == 100 and history.saves == 100


async def test_two_variants_alternate_and_one_variant_is_not_remembered() -> None:
    clock = Clock()
    history = MemoryVariantHistory(now=clock)
    rng = random.Random(3)
    two: list[int] = []
    for _ in range(30):
        choices = await one_request(history, clock, rng, lambda v: v.common.unknown_input())
        two += [i for k, i in choices if k == "common.unknown_input"]
    assert two == [two[0], 1 - two[0]] * 15
    stored = await history.load(USER)
    assert "common.unknown_input" in stored
    voice = Voice(history=history, user_id=USER, now=clock)
    await voice.load()
    voice.common.blocked_notice()  # a single-variant message: nothing to remember
    await voice.save()
    assert "common.blocked" not in await history.load(USER)


async def test_same_request_renders_do_not_repeat_either() -> None:
    voice = Voice(history=MemoryVariantHistory(), user_id=USER, now=Clock(), rng=random.Random(5))
    await voice.load()
    for _ in range(50):
        voice.common.failure()
    sequence = [i for k, i in voice.choices if k == "common.failure"]
    assert_no_repetition(sequence, 3)


async def test_memory_is_forgotten_after_the_window() -> None:
    clock = Clock()
    history = MemoryVariantHistory(now=clock)
    await history.save(USER, {"k": [1, 0]})
    assert await history.load(USER) == {"k": [1, 0]}
    clock.now += WINDOW + timedelta(seconds=1)
    assert await history.load(USER) == {}
    assert timedelta(minutes=5) <= WINDOW


async def test_weights_favour_heavier_variants() -> None:
    counts = [0, 0, 0]
    rng = random.Random(11)
    for _ in range(3000):  # no user → no history, pure weighted choice
        voice = Voice(history=None, user_id=None, now=Clock(), rng=rng)
        voice.start.greeting_line(name="Ana", role=Role.FREE)
        counts[dict(voice.choices)["start.greeting.afternoon"]] += 1
    assert counts[2] < counts[0] and counts[2] < counts[1]  # weight 0.6 vs 1 and 1


async def test_no_user_means_no_history_calls() -> None:
    history = MemoryVariantHistory()
    voice = Voice(history=history, user_id=None, now=Clock())
    await voice.load()
    voice.start.greeting_line(name="Ana", role=Role.ADMIN)
    await voice.save()
    assert history.loads == 0 and history.saves == 0


async def test_force_variant_renders_that_variant() -> None:
    texts = set()
    for n in range(3):
        voice = Voice(history=None, user_id=None, now=Clock(), force_variant=n)
        texts.add(voice.common.failure().text)
        assert voice.choices == [("common.failure", n)]
    assert len(texts) == 3


class BrokenHistory:
    async def load(self, user_id: int) -> dict[str, list[int]]:
        raise ConnectionError("down")

    async def save(self, user_id: int, updates: dict[str, list[int]]) -> None:
        raise ConnectionError("down")


async def test_a_broken_history_never_fails_the_request() -> None:
    voice = Voice(history=BrokenHistory(), user_id=USER, now=Clock())
    await voice.load()
    assert voice.start.greeting_line(name="Ana", role=Role.VIP)
    await voice.save()


# -- database ----------------------------------------------------------------------------


@pytest.fixture
async def sqlite_factory() -> AsyncIterator[Any]:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:", poolclass=StaticPool)
    async with engine.begin() as conn:
        await conn.run_sync(
            Base.metadata.create_all, tables=[Base.metadata.tables[VoiceHistory.__tablename__]]
        )
    yield engine, async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_database_history_sqlite_never_repeats(sqlite_factory: Any) -> None:
    engine, factory = sqlite_factory
    statements: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper())

    clock = Clock()
    history = DatabaseVariantHistory(factory, now=clock)
    seen = await run_100(history, clock, seed=2)
    check_runs(seen)
    # one SELECT per load, one INSERT … ON CONFLICT per save
    assert statements.count("SELECT") == 100
    assert statements.count("INSERT") == 100
    rows = await history.load(USER)
    assert set(rows) == set(seen) and all(len(v) == 2 for v in rows.values())


async def test_database_history_honours_the_window(sqlite_factory: Any) -> None:
    _, factory = sqlite_factory
    clock = Clock()
    history = DatabaseVariantHistory(factory, now=clock)
    await history.save(USER, {"a.b": [2, 0]})
    await history.save(USER, {"a.b": [1, 2], "c.d": [0]})
    assert await history.load(USER) == {"a.b": [1, 2], "c.d": [0]}
    assert await history.load(USER + 1) == {}
    clock.now += WINDOW + timedelta(seconds=1)
    assert await history.load(USER) == {}


async def test_database_history_postgres_never_repeats() -> None:
    name = f"lucien_voice_{uuid.uuid4().hex[:10]}"
    try:
        await _pg_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        _unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    engine = create_async_engine(f"{base}/{name}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(
                Base.metadata.create_all, tables=[Base.metadata.tables[VoiceHistory.__tablename__]]
            )
        history = DatabaseVariantHistory(async_sessionmaker(engine), now=Clock())
        check_runs(await run_100(history))
    finally:
        await engine.dispose()
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


# -- redis -------------------------------------------------------------------------------


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), 3)
    except Exception as exc:
        await client.aclose()
        _unavailable(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    prefix = f"lucien-test-{uuid.uuid4().hex}:"
    yield client, prefix
    keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_redis_history_never_repeats(redis_client: Any) -> None:
    client, prefix = redis_client
    history = RedisVariantHistory(client, prefix=prefix)
    check_runs(await run_100(history))
    key = history.key(USER)
    assert await client.type(key) == b"hash"
    ttl = await client.ttl(key)
    assert 0 < ttl <= int(WINDOW.total_seconds())
    assert set(await history.load(USER)) == {"start.greeting.afternoon", "start.role.vip"}


async def test_redis_history_ignores_entries_older_than_the_window(redis_client: Any) -> None:
    client, prefix = redis_client
    now = [1_000_000.0]
    history = RedisVariantHistory(client, prefix=prefix, clock=lambda: now[0])
    await history.save(USER, {"old": [1, 0]})
    now[0] += 30
    await history.save(USER, {"new": [2]})
    assert await history.load(USER) == {"old": [1, 0], "new": [2]}
    now[0] += WINDOW.total_seconds() - 10  # "old" is past the window, "new" is not
    assert await history.load(USER) == {"new": [2]}
