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


def snapshot(row: object, *fields: str) -> dict[str, Any]:
    """The named fields of a row as they are now: an entry's ``before`` or ``after``."""
    return {field: getattr(row, field) for field in fields}


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


async def change(
    session: AsyncSession,
    action: str,
    target: tuple[str, object],
    field: str,
    values: tuple[Any, Any],
    *,
    actor_id: int | None,
    at: datetime | None = None,
) -> None:
    """The entry for one field of one row that changed: ``target`` is (type, id), ``values``
    is (before, after). Switches, single edits and role changes are all this shape; one
    place writes it so every such entry reads the same in the audit log."""
    before, after = values
    await record(
        session,
        action,
        actor_id=actor_id,
        target_type=target[0],
        target_id=target[1],
        before={field: before},
        after={field: after},
        at=at,
    )
