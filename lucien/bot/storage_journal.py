"""The conversation state a redelivered update starts from: the one before its first attempt.

A wizard step moves the FSM on (or clears it) before its answer is sent. If the answer
fails, the redelivered message would find the wizard already over and be read as a
stray message. This storage wraps the update's FSM storage: before the first write to a
key it notes that key's state and data as they were, and a failed attempt writes that note
to the update's journal; the redelivery puts them back (``restore``) before any handler
runs, so the same step handles it again — its database effects and Telegram calls then
replay from the journal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from lucien.journal import Journal

PREFIX = "fsm:"


def _name(key: StorageKey) -> str:
    parts = (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id,
        key.business_connection_id,
        key.destiny,
    )
    return PREFIX + ":".join("" if p is None else str(p) for p in parts)


class JournaledStorage(BaseStorage):
    def __init__(self, inner: BaseStorage, journal: Journal) -> None:
        self.inner = inner
        self.journal = journal
        self._noted: set[str] = set()
        # what was read before any write (aiogram reads the state of every update anyway)
        self._states: dict[str, str | None] = {}
        self._data: dict[str, dict[str, Any]] = {}

    async def _note(self, key: StorageKey) -> None:
        name = _name(key)
        if name in self._noted:
            return
        self._noted.add(name)
        state = self._states[name] if name in self._states else await self.inner.get_state(key)
        data = self._data[name] if name in self._data else await self.inner.get_data(key)
        self.journal.remember(name, {"key": asdict(key), "state": state, "data": dict(data)})

    def has_notes(self) -> bool:
        return any(name.startswith(PREFIX) for name in self.journal.previous or {})

    async def restore(self) -> None:
        """Put back the state of every key an earlier attempt changed."""
        previous = await self.journal.load()
        for name, note in previous.items():
            if not name.startswith(PREFIX) or not isinstance(note, dict):
                continue
            key = StorageKey(**note["key"])
            await self.inner.set_state(key, note.get("state"))
            await self.inner.set_data(key, note.get("data") or {})
            self._noted.add(name)
            self._states.pop(name, None)
            self._data.pop(name, None)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._note(key)
        await self.inner.set_state(key, state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        state = await self.inner.get_state(key)
        self._states.setdefault(_name(key), state)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._note(key)
        await self.inner.set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = await self.inner.get_data(key)
        self._data.setdefault(_name(key), dict(data))
        return data

    async def close(self) -> None:
        await self.inner.close()
