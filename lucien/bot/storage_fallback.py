"""FSM storage that keeps answering when Redis is down.

Reads and writes go to Redis; when Redis cannot be reached they go to the database for that
request. A wizard in progress may be forgotten while Redis is away (the user is told to
start it again), but no update fails for it and nothing the user sends is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from redis.exceptions import RedisError

from lucien.ops.observe import note_fallback

log = logging.getLogger(__name__)
T = TypeVar("T")


class FallbackStorage(BaseStorage):
    def __init__(self, primary: BaseStorage, fallback: BaseStorage) -> None:
        self.primary = primary
        self.fallback = fallback
        self._down = False

    async def _call(self, op: Callable[[BaseStorage], Awaitable[T]]) -> T:
        if not self._down:
            try:
                return await op(self.primary)
            except (RedisError, OSError) as exc:
                log.warning(
                    "redis unavailable for FSM storage, using the database: %s", type(exc).__name__
                )
                self._down = True
                note_fallback("fsm")
        return await op(self.fallback)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._call(lambda s: s.set_state(key, state))

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._call(lambda s: s.get_state(key))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._call(lambda s: s.set_data(key, data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self._call(lambda s: s.get_data(key))

    async def close(self) -> None:
        return None
