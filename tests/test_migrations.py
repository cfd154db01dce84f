"""Alembic is the schema authority: up, down, up again, and no drift from the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lucien.db.engine import create_engine
from lucien.db.migrations import downgrade, upgrade
from lucien.db.models import Base


def _diff(url: str) -> list:
    async def run() -> list:
        engine = create_engine(url)
        async with engine.connect() as conn:

            def compare(sync_conn):  # type: ignore[no-untyped-def]
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(ctx, Base.metadata)

            diff = await conn.run_sync(compare)
        await engine.dispose()
        return diff

    return asyncio.run(run())


def _tables(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(run())


def test_up_down_up_and_no_drift(backend) -> None:  # type: ignore[no-untyped-def]
    url = backend.database_url
    # The shared database may hold rows an earlier test left (an imported archive): a
    # downgrade's DROP TABLE would trip on their foreign keys. The schema starts empty.
    asyncio.run(backend.truncate())
    assert _diff(url) == []
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url, "head")
    assert {t.name for t in Base.metadata.sorted_tables} <= _tables(url)
    assert _diff(url) == []
