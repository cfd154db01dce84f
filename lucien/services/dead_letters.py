"""Dead letters: updates the poison guard set aside, kept verbatim for a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import DeadLetter, utcnow
from lucien.db.upsert import insert_ignore


async def record(
    session: AsyncSession,
    *,
    update_id: int,
    payload: dict[str, Any],
    error: str,
    attempts: int,
    first_attempt_at: datetime | None,
) -> int | None:
    """Store it; the new row's id, or ``None`` when this update was already set aside."""
    inserted = await session.execute(
        insert_ignore(
            session,
            DeadLetter,
            {
                "update_id": update_id,
                "payload": payload,
                "error": error,
                "attempts": attempts,
                "first_attempt_at": first_attempt_at,
                "created_at": utcnow(),
            },
            ["update_id"],
        ).returning(DeadLetter.id)
    )
    return inserted.scalar_one_or_none()


async def listing(session: AsyncSession, limit: int = 100) -> list[DeadLetter]:
    rows = await session.scalars(select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit))
    return list(rows)


async def get(session: AsyncSession, letter_id: int) -> DeadLetter | None:
    return await session.get(DeadLetter, letter_id)


async def mark_replayed(session: AsyncSession, letter_id: int, outcome: str) -> None:
    await session.execute(
        update(DeadLetter)
        .where(DeadLetter.id == letter_id)
        .values(replayed_at=utcnow(), replay_outcome=outcome)
    )
