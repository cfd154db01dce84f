"""Fixed-window counters for failed invitation redemptions (per user).

Redis when configured (``SET NX EX`` + ``INCR`` in one transaction, so the window starts
with the first failure), otherwise the ``rate_limits`` table with one conditional upsert.
If Redis does not answer, the database takes over: a limit is never silently lifted and a
request never fails because of the limiter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import RateLimit, utcnow
from lucien.db.upsert import insert_for
from lucien.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    max_count: int
    window_seconds: int


#: 5 failed redemptions per user per 10 minutes.
REDEEM_FAILURES = Limit("redeem", 5, 600)


def _key(limit: Limit, subject: int | str) -> str:
    return f"{limit.name}:{subject}"


async def _db_count(session: AsyncSession, key: str, limit: Limit, now: datetime) -> int:
    started = now - timedelta(seconds=limit.window_seconds)
    count = await session.scalar(
        select(RateLimit.count).where(RateLimit.key == key, RateLimit.window_started_at > started)
    )
    return int(count or 0)


async def _db_hit(session: AsyncSession, key: str, limit: Limit, now: datetime) -> int:
    stale = RateLimit.window_started_at <= now - timedelta(seconds=limit.window_seconds)
    stmt = insert_for(session, RateLimit).values(key=key, window_started_at=now, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "count": case((stale, 1), else_=RateLimit.count + 1),
            "window_started_at": case((stale, now), else_=RateLimit.window_started_at),
        },
    ).returning(RateLimit.count)
    return int((await session.execute(stmt)).scalar_one())


class RateLimiter:
    def __init__(self, runtime: Runtime, limit: Limit = REDEEM_FAILURES) -> None:
        self.runtime = runtime
        self.limit = limit

    def _redis_key(self, subject: int | str) -> str:
        return f"{self.runtime.settings.redis_prefix}rl:{_key(self.limit, subject)}"

    async def is_limited(self, subject: int | str, now: datetime | None = None) -> bool:
        return await self.count(subject, now) >= self.limit.max_count

    async def count(self, subject: int | str, now: datetime | None = None) -> int:
        redis = self.runtime.redis()
        if redis is not None:
            try:
                raw = await redis.get(self._redis_key(subject))
                return int(raw or 0)
            except (RedisError, OSError):
                log.warning("redis unavailable for the rate limiter, using the database")
        async with self.runtime.sessions.begin() as session:
            return await _db_count(session, _key(self.limit, subject), self.limit, now or utcnow())

    async def hit(self, subject: int | str, now: datetime | None = None) -> int:
        """Count one failure; returns the count in the current window."""
        redis = self.runtime.redis()
        if redis is not None:
            key = self._redis_key(subject)
            try:
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.set(key, 0, ex=self.limit.window_seconds, nx=True)
                    pipe.incr(key)
                    _, value = await pipe.execute()
                return int(value)
            except (RedisError, OSError):
                log.warning("redis unavailable for the rate limiter, using the database")
        async with self.runtime.sessions.begin() as session:
            return await _db_hit(session, _key(self.limit, subject), self.limit, now or utcnow())
