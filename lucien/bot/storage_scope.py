"""FSM storage chosen per update, behind one long-lived dispatcher.

The pipeline sets the storage for the update it is handling (``use_storage``); a context
variable keeps concurrent updates in one process apart, each with its own storage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

_current: ContextVar[BaseStorage] = ContextVar("lucien_fsm_storage")


@contextmanager
def use_storage(storage: BaseStorage) -> Iterator[None]:
    token = _current.set(storage)
    try:
        yield
    finally:
        _current.reset(token)


def current_storage() -> BaseStorage | None:
    """The storage of the update being handled, if any."""
    return _current.get(None)


class RequestStorage(BaseStorage):
    @staticmethod
    def _storage() -> BaseStorage:
        try:
            return _current.get()
        except LookupError:
            raise RuntimeError("no FSM storage set for this update (use_storage)") from None

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._storage().set_state(key, state)

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._storage().get_state(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._storage().set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self._storage().get_data(key)

    async def close(self) -> None:
        return None
