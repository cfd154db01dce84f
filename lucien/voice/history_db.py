"""Variant history in the database table ``voice_history`` (model ``VoiceHistory``).

Load is one SELECT of the user's rows updated within the window; save is one multi-row
upsert (SQLite / PostgreSQL ``ON CONFLICT DO UPDATE``) in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.db.models import VoiceHistory
from lucien.db.upsert import insert_for
from lucien.voice.history import KEY_MAX, WINDOW, decode_recent, encode_recent


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
        cutoff = self._now() - self.window
        rows = (
            await session.execute(
                select(VoiceHistory.message_key, VoiceHistory.recent).where(
                    VoiceHistory.user_id == user_id, VoiceHistory.updated_at >= cutoff
                )
            )
        ).all()
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
        async with self.session_factory() as session, session.begin():
            await session.execute(_upsert(session, values))


def _upsert(session: AsyncSession, values: list[dict[str, Any]]) -> Any:
    stmt = insert_for(session, VoiceHistory).values(values)
    return stmt.on_conflict_do_update(
        index_elements=[VoiceHistory.user_id, VoiceHistory.message_key],
        set_={"recent": stmt.excluded.recent, "updated_at": stmt.excluded.updated_at},
    )
