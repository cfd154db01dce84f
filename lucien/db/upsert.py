"""Portable ``INSERT … ON CONFLICT`` for SQLite and PostgreSQL.

Both dialects speak the same upsert grammar; only the construct differs, so every
repository asks here instead of importing a dialect itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession | str, model: Any) -> Any:
    """The dialect's ``insert`` (with ``on_conflict_*``) for the session's database (or for
    a dialect named outright, to build a statement once and reuse it)."""
    name = session if isinstance(session, str) else session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def upsert(
    session: AsyncSession | str,
    model: Any,
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str] | None = None,
) -> Any:
    """Insert ``values``; on a conflict on ``conflict`` set the ``update`` columns."""
    stmt = insert_for(session, model).values(**values)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: getattr(stmt.excluded, name) for name in update},
    )


def insert_ignore(
    session: AsyncSession | str, model: Any, values: dict[str, Any], conflict: Sequence[str]
) -> Any:
    return upsert(session, model, values, conflict, None)
