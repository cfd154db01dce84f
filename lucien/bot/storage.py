"""aiogram FSM storage in the database, for the embedded default (no Redis).

Wizards must survive across stateless requests, so state cannot live in process memory.
Each call is one short transaction; writes are upserts so two requests of the same user
never fail on a duplicate key. The read every update makes (aiogram asks for the state
before any handler) usually rides on the database ledger's claim instead (``fsm_read``,
``lucien.ledger.DatabaseRead``): on SQLite a transaction of its own was a
``BEGIN IMMEDIATE``, a pool checkout and a rollback for one primary-key read.
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
from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.cache import NOT_PREFETCHED, take_prefetched
from lucien.db.models import FSMRecord, utcnow
from lucien.db.upsert import upsert
from lucien.ledger import DatabaseRead

_KEYS = DefaultKeyBuilder(with_destiny=True)
_FSM = FSMRecord.__table__
#: Built once: the ORM's select of the entity cost more than the read itself.
_READ = select(_FSM.c.state, _FSM.c.data).where(_FSM.c.key == bindparam("key"))


def _command(name: str) -> tuple[str, str]:
    return ("fsm_states", name)


def fsm_read(key: StorageKey, key_builder: KeyBuilder | None = None) -> DatabaseRead:
    """The read of ``key``'s record, for the ledger's claim to carry (the answer is served
    to this storage's first read of the key in the update, ``lucien.cache.serving``)."""
    name = (key_builder or _KEYS).build(key)
    return DatabaseRead(_command(name), _READ, {"key": name})


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.sessions = sessions
        self.key_builder = key_builder or _KEYS

    async def _write(self, key: StorageKey, values: dict[str, Any]) -> None:
        row = {"key": self.key_builder.build(key), "updated_at": utcnow(), **values}
        take_prefetched(_command(row["key"]))  # read before this write: no longer the answer
        async with self.sessions.begin() as session:
            await session.execute(upsert(session, FSMRecord, row, ["key"], [*values, "updated_at"]))
            # A record with neither state nor data is garbage: drop it.
            await session.execute(
                delete(FSMRecord).where(
                    FSMRecord.key == row["key"], FSMRecord.state.is_(None), FSMRecord.data.is_(None)
                )
            )

    async def _read(self, key: StorageKey) -> Row[Any, Any] | None:
        """The record's state and data: from the claim's read if it carried this one."""
        name = self.key_builder.build(key)
        prefetched = take_prefetched(_command(name))
        if prefetched is not NOT_PREFETCHED:
            return prefetched[0] if prefetched else None
        async with self.sessions() as session:
            connection = await session.connection()
            return (await connection.execute(_READ, {"key": name})).first()

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
