"""Expiry and removal: periods whose end has passed.

Rows are claimed with a lease (``claimed_until``, see ``claims.claim_rows``) where <due> is:
active, ended, not claimed by a live lease, not waiting for a retry. On PostgreSQL
concurrent runs skip each other's locked rows; on SQLite the transaction holds the write
lock from BEGIN, so the second run sees the first run's lease. Either way two runs never
work on the same row.

For each claimed period: if the member has another active period (a renewal), it is only
marked expired. Otherwise the farewell is sent once (``farewell_sent_at``), the member is
removed from the VIP channel with ban + ``unbanChatMember(only_if_banned=True)`` ("not a
member" counts as done), their open personal links are revoked, and the period is marked
expired with ``removed_at`` and an audit entry. A failure counts an attempt and schedules
a retry with exponential backoff; after ``MAX_ATTEMPTS`` the period is ``removal_failed``
(shown on the dashboard) and never retried again. A 403 on the farewell marks the member
unreachable and the removal still happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from lucien.access import audit
from lucien.access.admins import admin_ids
from lucien.access.links import revoke_open_links
from lucien.access.subscriptions import ACTIVE, EXPIRED, REMOVAL_FAILED
from lucien.db.models import Subscription, User
from lucien.db.results import rowcount
from lucien.jobs.claims import claim_rows
from lucien.jobs.context import MAX_PLANNED_KEPT, CronContext, backoff
from lucien.jobs.limiter import BudgetExhausted
from lucien.jobs.pool import drain
from lucien.services.users import mark_unreachable
from lucien.telegram.errors import (
    description,
    is_forbidden,
    member_already_gone,
    member_cannot_be_removed,
)

STEP = "expiry"
MAX_ATTEMPTS = 8


def due(now: datetime, sub: Any = Subscription) -> ColumnElement[bool]:
    return and_(
        sub.status == ACTIVE,
        sub.ends_at <= now,
        or_(sub.claimed_until.is_(None), sub.claimed_until < now),
        or_(sub.removal_next_at.is_(None), sub.removal_next_at <= now),
    )


async def claim(ctx: CronContext, limit: int) -> list[int]:
    now = ctx.now()
    pick = select(Subscription.id).where(due(now)).order_by(Subscription.ends_at, Subscription.id)
    return await claim_rows(ctx, Subscription, pick.limit(limit), due(now), now + ctx.lease)


async def release(ctx: CronContext, sub_id: int) -> None:
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == sub_id, Subscription.status == ACTIVE)
            .values(claimed_until=None)
        )


@dataclass(frozen=True)
class Due:
    id: int
    user_id: int
    first_name: str
    ends_at: datetime
    farewell_sent: bool
    attempts: int


def _renewed_condition(sub_id: int, user_id: int, now: datetime) -> ColumnElement[bool]:
    other = Subscription.__table__.alias("other")
    return exists().where(
        other.c.user_id == user_id,
        other.c.id != sub_id,
        other.c.status == ACTIVE,
        other.c.ends_at > now,
    )


async def _load(ctx: CronContext, sub_id: int) -> Due | str:
    """The claimed period, or why it needs no removal ("gone", "renewed", "admin")."""
    now = ctx.now()
    async with ctx.runtime.sessions.begin() as session:
        row = (
            await session.execute(
                select(Subscription, User.first_name)
                .join(User, User.id == Subscription.user_id)
                .where(Subscription.id == sub_id)
                .execution_options(populate_existing=True)
            )
        ).first()
        if row is None or row[0].status != ACTIVE:
            return "gone"
        sub, first_name = row
        renewed = bool(await session.scalar(select(_renewed_condition(sub.id, sub.user_id, now))))
        is_admin = sub.user_id in await admin_ids(session, ctx.runtime.settings)
        if renewed or is_admin:
            closed = await session.execute(
                update(Subscription)
                .where(Subscription.id == sub.id, Subscription.status == ACTIVE)
                .values(
                    status=EXPIRED,
                    claimed_until=None,
                    removal_error="renewed" if renewed else "admin: not removed",
                )
            )
            if rowcount(closed) == 1:
                await audit.record(
                    session,
                    "subscription.expired",
                    target_type="subscription",
                    target_id=sub.id,
                    before={"status": ACTIVE},
                    after={
                        "status": EXPIRED,
                        "removed": False,
                        "why": "renewed" if renewed else "admin",
                    },
                    at=now,
                )
            return "renewed" if renewed else "admin"
        return Due(
            sub.id,
            sub.user_id,
            first_name or "",
            sub.ends_at,
            sub.farewell_sent_at is not None,
            sub.removal_attempts,
        )


async def _farewell(ctx: CronContext, item: Due) -> None:
    message = ctx.voice().expiry.farewell(
        name=item.first_name,
        ended_at=item.ends_at,
        creator_username=ctx.config.creator_username,
    )
    unreachable = False
    try:
        await ctx.limiter.run(
            lambda: ctx.bot.send_message(item.user_id, **message.as_send_kwargs()),
            chat_id=item.user_id,
        )
    except BudgetExhausted:
        raise
    except Exception as exc:  # classified below
        if not is_forbidden(exc):
            # Not sent; the removal goes ahead anyway (it never waits for a farewell).
            ctx.error(STEP, f"farewell to {item.user_id}: {description(exc)}")
            ctx.count(STEP, "farewell_failed")
            return
        unreachable = True
    async with ctx.runtime.sessions.begin() as session:
        # The user row before the subscription row: the order redemption takes its locks in.
        if unreachable:
            await mark_unreachable(session, item.user_id)
        await session.execute(
            update(Subscription)
            .where(Subscription.id == item.id, Subscription.farewell_sent_at.is_(None))
            .values(farewell_sent_at=ctx.now())
        )
    ctx.count(STEP, "unreachable" if unreachable else "farewells")


async def _remove(ctx: CronContext, item: Due) -> str | None:
    """Ban then unban (only if banned). Returns a note for terminal non-removals."""
    channel = ctx.config.vip_channel_id
    if channel is None:
        return "no VIP channel configured"
    try:
        await ctx.limiter.run(lambda: ctx.bot.ban_chat_member(channel, item.user_id))
    except BudgetExhausted:
        raise
    except Exception as exc:
        if member_cannot_be_removed(exc):
            return description(exc)
        if not member_already_gone(exc):
            raise
    try:
        await ctx.limiter.run(
            lambda: ctx.bot.unban_chat_member(channel, item.user_id, only_if_banned=True)
        )
    except BudgetExhausted:
        raise
    except Exception as exc:
        if not member_already_gone(exc):
            raise
    return None


async def _failed(ctx: CronContext, item: Due, exc: BaseException) -> None:
    now = ctx.now()
    attempts = item.attempts + 1
    give_up = attempts >= MAX_ATTEMPTS
    error = description(exc)[:1000]
    async with ctx.runtime.sessions.begin() as session:
        values: dict[str, object] = {
            "removal_attempts": attempts,
            "removal_error": error,
            "claimed_until": None,
            "removal_next_at": None if give_up else now + backoff(attempts),
        }
        if give_up:
            values["status"] = REMOVAL_FAILED
        await session.execute(
            update(Subscription)
            .where(Subscription.id == item.id, Subscription.status == ACTIVE)
            .values(**values)
        )
        if give_up:
            await audit.record(
                session,
                "subscription.removal_failed",
                target_type="subscription",
                target_id=item.id,
                after={"attempts": attempts, "error": error},
                at=now,
            )
    ctx.error(STEP, f"removal of {item.user_id} (subscription {item.id}): {error}")
    ctx.count(STEP, "gave_up" if give_up else "retry_later")


async def process(ctx: CronContext, sub_id: int) -> None:
    loaded = await _load(ctx, sub_id)
    if isinstance(loaded, str):
        ctx.count(STEP, loaded)
        return
    item = loaded
    if not item.farewell_sent:
        await _farewell(ctx, item)

    # A renewal may have landed while the farewell was on its way: look once more,
    # right before the removal.
    again = await _load(ctx, sub_id)
    if isinstance(again, str):
        ctx.count(STEP, again)
        return
    try:
        note = await _remove(ctx, item)
    except BudgetExhausted:
        raise
    except Exception as exc:  # every failure is retried with backoff
        await _failed(ctx, item, exc)
        return

    _, link_errors = (
        await revoke_open_links(
            ctx.runtime, item.user_id, ctx.config.vip_channel_id, limiter=ctx.limiter
        )
        if ctx.config.vip_channel_id is not None
        else (0, [])
    )
    for err in link_errors:
        ctx.error(STEP, err)

    now = ctx.now()
    async with ctx.runtime.sessions.begin() as session:
        done = await session.execute(
            update(Subscription)
            .where(Subscription.id == item.id, Subscription.status == ACTIVE)
            .values(
                status=EXPIRED,
                removed_at=now,
                claimed_until=None,
                removal_error=note,
                removal_next_at=None,
            )
        )
        if rowcount(done) == 1:
            await audit.record(
                session,
                "subscription.expired",
                target_type="subscription",
                target_id=item.id,
                before={"status": ACTIVE, "ends_at": item.ends_at},
                after={
                    "status": EXPIRED,
                    "removed": note is None,
                    "note": note,
                    "user_id": item.user_id,
                },
                at=now,
            )
    ctx.count(STEP, "expired")
    if note is None:
        ctx.count(STEP, "removed")


async def run_expiry(ctx: CronContext) -> None:
    if ctx.dry_run:
        now = ctx.now()
        async with ctx.runtime.sessions() as session:
            would = await session.scalar(
                select(func.count()).select_from(Subscription).where(due(now))
            )
            first = (
                await session.execute(
                    select(Subscription.user_id, User.first_name, Subscription.ends_at)
                    .join(User, User.id == Subscription.user_id)
                    .where(due(now))
                    .order_by(Subscription.ends_at)
                    .limit(MAX_PLANNED_KEPT)
                )
            ).all()
        ctx.count(STEP, "would_expire", int(would or 0))
        for user_id, first_name, ends_at in first:
            ctx.plan("remove", user_id, first_name, ends_at)
        return
    await drain(ctx, STEP, claim, process, release)
