"""Audit entries for the access lifecycle (who did what to which row, before/after)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import AuditEntry, utcnow


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-safe copy: datetimes as ISO strings, decimals and others as strings."""
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif value is None or isinstance(value, bool | int | float | str):
            out[key] = value
        else:
            out[key] = str(value)
    return out


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    await session.execute(
        insert(AuditEntry).values(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id)[:64],
            before=_plain(before),
            after=_plain(after),
            reason=reason,
            created_at=at or utcnow(),
        )
    )
