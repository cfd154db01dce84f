"""Where the voice layer remembers variants, for this deployment."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from lucien.cache import PrefetchingRedis, defer
from lucien.ops.observe import note_fallback
from lucien.runtime import Runtime
from lucien.voice import DatabaseVariantHistory, RedisVariantHistory, VariantHistory

log = logging.getLogger(__name__)


class _FallbackHistory:
    """Redis when it answers, the database otherwise: a greeting never fails an update."""

    def __init__(self, primary: VariantHistory, fallback: VariantHistory) -> None:
        self.primary = primary
        self.fallback = fallback

    async def load(self, user_id: int) -> dict[str, list[int]]:
        try:
            return await self.primary.load(user_id)
        except (RedisError, OSError):
            log.warning("redis unavailable for variant history, using the database")
            note_fallback("voice")
            self.primary = self.fallback
            return await self.fallback.load(user_id)

    async def save(self, user_id: int, updates: dict[str, list[int]]) -> None:
        # Usually sent with the ledger's completion, one round trip fewer per update; an
        # update whose completion fails loses only this variety memory.
        if isinstance(self.primary, RedisVariantHistory) and defer(
            self.primary.save_commands(user_id, updates)
        ):
            return
        try:
            await self.primary.save(user_id, updates)
        except (RedisError, OSError):
            await self.fallback.save(user_id, updates)


def variant_history_for(runtime: Runtime) -> VariantHistory:
    database = DatabaseVariantHistory(runtime.sessions)
    redis = runtime.redis()
    if redis is None:
        return database
    return _FallbackHistory(
        # The load is usually answered by the read sent with the ledger claim (lucien.cache).
        RedisVariantHistory(PrefetchingRedis(redis), prefix=runtime.settings.redis_prefix),  # type: ignore[arg-type]
        database,
    )
