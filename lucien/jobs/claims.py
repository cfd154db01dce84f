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

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from lucien.db.models import User
from lucien.jobs.context import MAX_PLANNED_KEPT, CronContext


def takeable(model: Any, retry_at: Any, now: datetime) -> ColumnElement[bool]:
    """No run holds the row (never claimed, or its lease ran out) and its next attempt, if
    one was put off (``retry_at``), is due."""
    return and_(
        or_(model.claimed_until.is_(None), model.claimed_until < now),
        or_(retry_at.is_(None), retry_at <= now),
    )


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


async def claim_due(
    ctx: CronContext, step: str, due: ColumnElement[bool], order: Any, limit: int, now: datetime
) -> list[int]:
    """A cron step's claim: up to ``limit`` rows ``due`` selects, first by ``order`` (columns
    of the step's table), leaving out the rows this run has set aside for the step."""
    model = order[0].class_
    pick = select(model.id).where(due)
    if skipped := ctx.skipped(step):
        pick = pick.where(model.id.not_in(skipped))
    return await claim_rows(ctx, model, pick.order_by(*order).limit(limit), due, now + ctx.lease)


async def release_claim(
    ctx: CronContext, model: Any, row_id: int, still: ColumnElement[bool]
) -> None:
    """Give a claimed row back (its lease ends now) while ``still`` holds for it."""
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(model).where(model.id == row_id, still).values(claimed_until=None)
        )


async def plan_due(
    ctx: CronContext, step: str, due: ColumnElement[bool], when: Any, counter: str, action: str
) -> None:
    """A dry run's account of a step: how many rows ``due`` selects (counted as ``counter``)
    and the first of them by ``when`` (a column of the step's table, whose rows name a
    ``user_id``), each planned as ``action``. Nothing is claimed or changed."""
    model = when.class_
    async with ctx.runtime.sessions() as session:
        would = await session.scalar(select(func.count()).select_from(model).where(due))
        first = (
            await session.execute(
                select(model.user_id, User.first_name, when)
                .join(User, User.id == model.user_id)
                .where(due)
                .order_by(when)
                .limit(MAX_PLANNED_KEPT)
            )
        ).all()
    ctx.count(step, counter, int(would or 0))
    for user_id, first_name, at in first:
        ctx.plan(action, user_id, first_name, at)
