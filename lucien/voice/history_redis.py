"""Variant history in Redis: one hash per user, one field per message key.

A field's value is ``"<recent>|<unix seconds>"`` so entries older than the window are
ignored even when a later save has refreshed the hash's TTL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lucien.voice.history import WINDOW, decode_recent, encode_recent

if TYPE_CHECKING:
    from redis.asyncio import Redis


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


class RedisVariantHistory:
    def __init__(
        self,
        redis: Redis,
        prefix: str = "lucien:",
        window: timedelta = WINDOW,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.window = window
        self._clock = clock

    def key(self, user_id: int) -> str:
        return f"{self.prefix}voice:{user_id}"

    async def load(self, user_id: int) -> dict[str, list[int]]:
        raw = await self.redis.hgetall(self.key(user_id))
        cutoff = self._clock() - self.window.total_seconds()
        out: dict[str, list[int]] = {}
        for field, value in raw.items():
            recent, _, stamp = _text(value).partition("|")
            try:
                fresh = float(stamp) >= cutoff
            except ValueError:
                fresh = False
            if fresh:
                out[_text(field)] = decode_recent(recent)
        return out

    def save_commands(self, user_id: int, updates: dict[str, list[int]]) -> list[tuple[Any, ...]]:
        """The save as Redis commands (the pipeline may send them with the update's last
        round trip instead, see ``lucien.cache.defer``)."""
        if not updates:
            return []
        stamp = int(self._clock())
        fields: list[Any] = []
        for name, recent in updates.items():
            fields += [name, f"{encode_recent(recent)}|{stamp}"]
        key = self.key(user_id)
        return [("HSET", key, *fields), ("EXPIRE", key, int(self.window.total_seconds()))]

    async def save(self, user_id: int, updates: dict[str, list[int]]) -> None:
        commands = self.save_commands(user_id, updates)
        if not commands:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            await pipe.execute()
