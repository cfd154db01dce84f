"""Claiming due rows with a lease, so concurrent runs never work on the same row.

In one short transaction::

    SELECT id FROM <table> WHERE <due> ORDER BY … LIMIT n [FOR UPDATE SKIP LOCKED]
    UPDATE <table> SET claimed_until = now + lease WHERE id IN (…) AND <due> RETURNING id

On PostgreSQL the ``SELECT`` locks the rows it returns and skips rows another run has
locked; the locks last until the transaction ends, so the ``UPDATE`` (which checks <due>
again) only ever takes rows this run holds. On SQLite the transaction takes the write lock
at ``BEGIN`` (``lucien.db.engine``), so a second run only starts once the first committed
its leases, and <due> excludes them. A row stays claimed until the run releases it or the
lease (longer than a run's budget) runs out after a crash.

Two statements rather than ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
LOCKED)``: PostgreSQL may plan that subquery so that rows it locked are not updated (the
claim comes back short while the rows stay unclaimed); ``tests/test_cron.py`` races twelve
claims to keep this honest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.sql.elements import ColumnElement

from lucien.jobs.context import CronContext


async def claim_rows(
    ctx: CronContext,
    model: Any,
    pick: Select[Any],
    due: ColumnElement[bool],
    lease_until: datetime,
) -> list[int]:
    if ctx.is_postgres:
        pick = pick.with_for_update(skip_locked=True)
    async with ctx.runtime.sessions.begin() as session:
        ids = list((await session.execute(pick)).scalars())
        if not ids:
            return []
        claimed = await session.execute(
            update(model)
            .where(model.id.in_(ids), due)
            .values(claimed_until=lease_until)
            .returning(model.id)
        )
        return sorted(claimed.scalars())
