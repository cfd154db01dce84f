"""aiogram FSM storage in the database, for the embedded default (no Redis).

Wizards must survive across stateless requests, so state cannot live in process memory.
Each call is one short transaction; writes are upserts so two requests of the same user
never fail on a duplicate key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.db.models import FSMRecord, utcnow
from lucien.db.upsert import upsert


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.sessions = sessions
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def _write(self, key: StorageKey, values: dict[str, Any]) -> None:
        row = {"key": self.key_builder.build(key), "updated_at": utcnow(), **values}
        async with self.sessions.begin() as session:
            await session.execute(upsert(session, FSMRecord, row, ["key"], [*values, "updated_at"]))
            # A record with neither state nor data is garbage: drop it.
            await session.execute(
                delete(FSMRecord).where(
                    FSMRecord.key == row["key"], FSMRecord.state.is_(None), FSMRecord.data.is_(None)
                )
            )

    async def _read(self, key: StorageKey) -> FSMRecord | None:
        async with self.sessions() as session:
            result = await session.execute(
                select(FSMRecord).where(FSMRecord.key == self.key_builder.build(key))
            )
            return result.scalar_one_or_none()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._read(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise TypeError(f"Data must be a dict, got {type(data).__name__}")
        await self._write(key, {"data": dict(data) or None})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._read(key)
        return dict(record.data) if record and record.data else {}

    async def close(self) -> None:
        return None
