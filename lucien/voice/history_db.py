"""Variant history in the database table ``voice_history`` (model ``VoiceHistory``).

Load is one SELECT of the user's rows updated within the window; save is one upsert
(SQLite / PostgreSQL ``ON CONFLICT DO UPDATE``) executed for all the rows at once. Both
statements are built once per dialect and run on the session's connection: building them
and the ORM's execution path cost more than the statements on SQLite. During an update on
the database ledger alone the save rides with the completion
(``lucien.ledger.carry``), one write transaction fewer per update.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.db.models import VoiceHistory
from lucien.db.upsert import insert_for
from lucien.ledger import DatabaseWrite, carry
from lucien.voice.history import KEY_MAX, WINDOW, decode_recent, encode_recent

_HISTORY = VoiceHistory.__table__
_LOAD = select(_HISTORY.c.message_key, _HISTORY.c.recent).where(
    _HISTORY.c.user_id == bindparam("user_id"), _HISTORY.c.updated_at >= bindparam("cutoff")
)


@cache
def _upsert(dialect: str) -> Any:
    stmt = insert_for(dialect, _HISTORY)
    return stmt.on_conflict_do_update(
        index_elements=[_HISTORY.c.user_id, _HISTORY.c.message_key],
        set_={"recent": stmt.excluded.recent, "updated_at": stmt.excluded.updated_at},
    )


class DatabaseVariantHistory:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        window: timedelta = WINDOW,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.window = window
        self._now = now or (lambda: datetime.now(UTC))

    async def load(self, user_id: int) -> dict[str, list[int]]:
        async with self.session_factory() as session:
            return await self.load_in(session, user_id)

    async def load_in(self, session: AsyncSession, user_id: int) -> dict[str, list[int]]:
        """The same read inside the caller's transaction (one round trip less per update)."""
        connection = await session.connection()
        rows = await connection.execute(
            _LOAD, {"user_id": user_id, "cutoff": self._now() - self.window}
        )
        return {key: decode_recent(recent) for key, recent in rows}

    async def save(self, user_id: int, updates: dict[str, list[int]]) -> None:
        if not updates:
            return
        at = self._now()
        values = [
            {
                "user_id": user_id,
                "message_key": key[:KEY_MAX],
                "recent": encode_recent(recent),
                "updated_at": at,
            }
            for key, recent in updates.items()
        ]
        bind = self.session_factory.kw.get("bind")
        if bind is not None and carry(DatabaseWrite(_upsert(bind.dialect.name), values)):
            return
        async with self.session_factory.begin() as session:
            connection = await session.connection()
            await connection.execute(_upsert(connection.dialect.name), values)
