"""One Telegram rate for every cron run at once: pacers shared through Redis or the database.

A pacer keeps one number, the next free slot. Taking a slot is one atomic step — a Lua
script in Redis (on Redis's own clock, so instances with skewed clocks still agree), or a
conditional ``UPDATE … RETURNING`` in the database — so two runs, in one process or on two
machines, never take the same slot and together keep to ``rate`` calls per second. A slot
too far away for the caller's budget is not taken.

Redis is used when configured; if it fails mid-run the run carries on with the database
pacer (the other runs fall back the same way on their next call, so they stay paced
together, at worst briefly at twice the rate while some use each).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING

from sqlalchemy import case, literal, update

from lucien.db.models import TelegramPacing
from lucien.db.upsert import insert_ignore
from lucien.telegram.limiter import Limiter, Pacer

if TYPE_CHECKING:
    from lucien.runtime import Runtime
    from lucien.telegram.limiter import Budget

log = logging.getLogger(__name__)

KEY = "telegram"
US = 1_000_000

# KEYS[1] the slot key; ARGV: interval (µs), max delay (µs), hold (µs, 0 = reserve)
_SCRIPT = """
local function keep(value, now)
  local ttl = math.floor((value - now) / 1000) + 60000
  redis.call('SET', KEYS[1], string.format('%.0f', value), 'PX', ttl)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local hold = tonumber(ARGV[3])
if hold > 0 then
  nxt = math.max(nxt, now + hold)
  keep(nxt, now)
  return 0
end
local slot = math.max(now, nxt)
if slot - now > tonumber(ARGV[2]) then
  return -1
end
local after = slot + tonumber(ARGV[1])
keep(after, now)
return slot - now
"""


class DatabasePacer:
    """The slot in ``telegram_pacing`` (wall-clock microseconds).

    A write transaction per call would cost the job more than the pacing is worth (on
    SQLite every one takes the database's write lock), so slots are taken ``block`` at a
    time and handed out here to this run's calls. The block is still exclusive to this
    run, so the runs together keep the rate; a run may leave up to ``block - 1`` slots
    unused at its end, and a late caller may go up to ``block`` calls in a burst. A flood
    wait drops this run's remaining slots; another run notices it when its block is
    used up (at most ``block - 1`` calls later)."""

    def __init__(self, runtime: Runtime, key: str = KEY, block: int = 5) -> None:
        self.runtime = runtime
        self.key = key
        self.block = block
        self._ready = False
        self._slots: list[int] = []  # taken, not handed out yet (µs)
        self._lock = asyncio.Lock()

    async def _ensure_row(self) -> None:
        if self._ready:
            return
        async with self.runtime.sessions.begin() as session:
            await session.execute(
                insert_ignore(session, TelegramPacing, {"key": self.key, "next_at_us": 0}, ["key"])
            )
        self._ready = True

    async def _move(self, now: int, interval: int, max_delay: int | None) -> int | None:
        await self._ensure_row()
        slot = case(
            (TelegramPacing.next_at_us > now, TelegramPacing.next_at_us), else_=literal(now)
        )
        stmt = update(TelegramPacing).where(TelegramPacing.key == self.key)
        if max_delay is not None:
            stmt = stmt.where(slot - now <= max_delay)
        async with self.runtime.sessions.begin() as session:
            moved = await session.execute(
                stmt.values(next_at_us=slot + interval).returning(TelegramPacing.next_at_us)
            )
            after = moved.scalar_one_or_none()
        return None if after is None else int(after)

    async def reserve(self, interval: float, max_delay: float) -> float | None:
        bound = int(max_delay * US) if math.isfinite(max_delay) else None
        async with self._lock:
            now = int(time.time() * US)
            if not self._slots:
                step = int(interval * US)
                after = await self._move(now, step * self.block, bound)
                if after is None:
                    return None
                first = after - step * self.block
                self._slots = [first + n * step for n in range(self.block)]
            if bound is not None and self._slots[0] - now > bound:
                return None  # kept for a caller with more time
            slot = self._slots.pop(0)
        return max(0.0, (slot - now) / US)

    async def hold(self, seconds: float) -> None:
        async with self._lock:
            self._slots.clear()  # taken before the flood wait: no longer usable
        now = int(time.time() * US)
        await self._ensure_row()
        target = now + int(seconds * US)
        async with self.runtime.sessions.begin() as session:
            await session.execute(
                update(TelegramPacing)
                .where(TelegramPacing.key == self.key, TelegramPacing.next_at_us < target)
                .values(next_at_us=target)
            )


class RedisPacer:
    """The slot in Redis; falls back to the database pacer for the rest of the run when
    Redis fails."""

    def __init__(self, runtime: Runtime, fallback: Pacer) -> None:
        self.runtime = runtime
        self.key = f"{runtime.settings.redis_prefix}pace:{KEY}"
        self.fallback = fallback
        self.failed = False

    async def _script(self, interval: float, max_delay: float, hold: float) -> int | None:
        redis = self.runtime.redis()
        if redis is None or self.failed:
            return None
        try:
            bound = int(min(max_delay, 86_400.0) * US)  # no budget: a day is plenty
            result = await redis.eval(  # type: ignore[misc]
                _SCRIPT, 1, self.key, int(interval * US), bound, int(hold * US)
            )
        except Exception as exc:  # any Redis trouble: the database keeps the pace
            log.warning("redis pacer failed, pacing through the database: %s", exc)
            self.failed = True
            return None
        return int(result)

    async def reserve(self, interval: float, max_delay: float) -> float | None:
        if self.failed:
            return await self.fallback.reserve(interval, max_delay)
        result = await self._script(interval, max_delay, 0)
        if result is None:
            return await self.fallback.reserve(interval, max_delay)
        return None if result < 0 else result / US

    async def hold(self, seconds: float) -> None:
        if self.failed or await self._script(0, 0, max(seconds, 1e-6)) is None:
            await self.fallback.hold(seconds)


def shared_pacer(runtime: Runtime) -> Pacer:
    database = DatabasePacer(runtime)
    return RedisPacer(runtime, database) if runtime.settings.redis_url else database


def shared_limiter(runtime: Runtime, budget: Budget | None = None) -> Limiter:
    """The cron's limiter: the configured rate, shared with every other run."""
    return Limiter(
        rate=runtime.settings.cron_telegram_rate, budget=budget, pacer=shared_pacer(runtime)
    )
