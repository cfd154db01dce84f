"""The update ledger: which ``update_id`` values have been handled.

Telegram redelivers an update when the answer is not 2xx or is too slow, and may deliver
it again while the first attempt is still running. The ledger makes the effects happen
once: an attempt first *claims* the id (with a lease), marks it *done* on success, and
*releases* it on failure so the redelivery can run it again. A second attempt that finds a
live claim is told BUSY and answers non-2xx, so nothing is lost if the first one fails.
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.db.models import ProcessedUpdate, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore
from lucien.ops.observe import note_fallback

log = logging.getLogger(__name__)

DONE_TTL = timedelta(days=3)


class Claim(enum.Enum):
    NEW = "new"
    DONE = "done"
    BUSY = "busy"


class UpdateLedger(Protocol):
    async def claim(self, update_id: int) -> Claim: ...
    async def complete(self, update_id: int) -> None: ...
    async def release(self, update_id: int) -> None: ...


class DatabaseLedger:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], lease_seconds: int) -> None:
        self.sessions = sessions
        self.lease = timedelta(seconds=lease_seconds)

    async def claim(self, update_id: int) -> Claim:
        now = utcnow()
        async with self.sessions.begin() as session:
            inserted = await session.execute(
                insert_ignore(
                    session,
                    ProcessedUpdate,
                    {"update_id": update_id, "status": "processing", "claimed_at": now},
                    ["update_id"],
                )
            )
            if rowcount(inserted) == 1:
                return Claim.NEW
            # Someone claimed it before. Take it over only if their lease ran out.
            stolen = await session.execute(
                update(ProcessedUpdate)
                .where(
                    ProcessedUpdate.update_id == update_id,
                    ProcessedUpdate.status == "processing",
                    ProcessedUpdate.claimed_at < now - self.lease,
                )
                .values(claimed_at=now)
            )
            if rowcount(stolen) == 1:
                return Claim.NEW
            status = await session.scalar(
                select(ProcessedUpdate.status).where(ProcessedUpdate.update_id == update_id)
            )
        return Claim.DONE if status == "done" else Claim.BUSY

    async def complete(self, update_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == update_id)
                .values(status="done", completed_at=utcnow())
            )

    async def release(self, update_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                delete(ProcessedUpdate).where(
                    ProcessedUpdate.update_id == update_id,
                    ProcessedUpdate.status == "processing",
                )
            )


class RedisLedger:
    def __init__(self, redis: Redis, prefix: str, lease_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.lease_seconds = lease_seconds

    def _key(self, update_id: int) -> str:
        return f"{self.prefix}update:{update_id}"

    async def claim(self, update_id: int) -> Claim:
        key = self._key(update_id)
        if await self.redis.set(key, "processing", nx=True, ex=self.lease_seconds):
            return Claim.NEW
        status = await self.redis.get(key)
        if status is None:  # the lease ran out between the two calls
            return (
                Claim.NEW
                if await self.redis.set(key, "processing", nx=True, ex=self.lease_seconds)
                else Claim.BUSY
            )
        return Claim.DONE if status in (b"done", "done") else Claim.BUSY

    async def complete(self, update_id: int) -> None:
        await self.redis.set(self._key(update_id), "done", ex=int(DONE_TTL.total_seconds()))

    async def release(self, update_id: int) -> None:
        key = self._key(update_id)
        # Delete only our own processing mark, never a "done".
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.watch(key)
            if await pipe.get(key) in (b"processing", "processing"):
                pipe.multi()
                pipe.delete(key)
                await pipe.execute()
            else:
                await pipe.unwatch()


class FallbackLedger:
    """Redis first; the database when Redis cannot be reached.

    A claim made on the database is also completed/released there: each update id keeps to
    the store that claimed it within one attempt.
    """

    def __init__(self, primary: RedisLedger, fallback: DatabaseLedger) -> None:
        self.primary = primary
        self.fallback = fallback
        self._used: dict[int, UpdateLedger] = {}

    async def claim(self, update_id: int) -> Claim:
        try:
            result = await self.primary.claim(update_id)
            self._used[update_id] = self.primary
            return result
        except (RedisError, OSError) as exc:
            log.warning(
                "redis unavailable for the update ledger, using the database: %s",
                type(exc).__name__,
            )
            note_fallback("ledger")
            self._used[update_id] = self.fallback
            return await self.fallback.claim(update_id)

    async def complete(self, update_id: int) -> None:
        await self._used.pop(update_id, self.primary).complete(update_id)

    async def release(self, update_id: int) -> None:
        ledger = self._used.pop(update_id, self.primary)
        try:
            await ledger.release(update_id)
        except (RedisError, OSError):
            log.warning("could not release update %s; its lease will expire", update_id)
