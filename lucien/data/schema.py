"""Which revision each side is at, and bringing an empty database to one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from lucien.data.tables import TableSpec, reflect, revision
from lucien.db.migrations import downgrade, expected_head, upgrade


class DataError(Exception):
    """A precondition that stops the whole operation (one line, for the operator)."""


def known_revisions() -> list[str]:
    """The chain from base to head, oldest first."""
    from alembic.script import ScriptDirectory

    from lucien.db.migrations import SCRIPTS

    script = ScriptDirectory(str(SCRIPTS))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def describe(engine: AsyncEngine) -> tuple[str | None, list[TableSpec]]:
    async with engine.connect() as conn:
        return await revision(conn), await reflect(conn)


async def bring_to(url: str, engine: AsyncEngine, wanted: str) -> list[TableSpec]:
    """An empty database (no schema, or no rows) at ``wanted``; its tables afterwards."""
    current, specs = await describe(engine)
    if current is None and specs:
        names = ", ".join(s.name for s in specs[:5])
        raise DataError(f"the target has tables ({names}) but no Alembic revision")
    if current != wanted:
        chain = known_revisions()
        if current is not None and chain.index(current) > chain.index(wanted):
            await asyncio.to_thread(downgrade, url, wanted)
        else:
            await asyncio.to_thread(upgrade, url, wanted)
        _, specs = await describe(engine)
    return specs


def require_head(label: str, current: str | None) -> str:
    head = expected_head()
    if current != head:
        raise DataError(
            f"the {label} is at revision {current or 'none'}, this Lucien's head is {head}: "
            f"run `lucien migrate` on it first"
        )
    assert head is not None
    return head


def drift(source: Sequence[TableSpec], target: Sequence[TableSpec]) -> list[str]:
    """Tables or columns that differ between two schemas (kinds included)."""
    problems = []
    left = {s.name: s for s in source}
    right = {s.name: s for s in target}
    for name in sorted(left.keys() - right.keys()):
        problems.append(f"table {name} is missing from the target")
    for name in sorted(right.keys() - left.keys()):
        problems.append(f"table {name} exists only in the target")
    for name in sorted(left.keys() & right.keys()):
        a = {c.name: c.kind for c in left[name].columns}
        b = {c.name: c.kind for c in right[name].columns}
        if a != b:
            problems.append(f"table {name} has columns {a} in the source and {b} in the target")
    return problems
