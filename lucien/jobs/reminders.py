"""Reminders before a period ends, at the configured offsets (default 72 h and 24 h).

"Sent once per offset per period" is a row in ``reminders_sent`` keyed by (subscription,
offset, period end): a run *claims* a reminder by inserting that row (insert-ignore), and
only the run whose insert landed sends it. An extension moves the period end, so the new
period gets its own reminders. A period that is inside several windows at once (it was
created or extended close to its end) gets only the nearest reminder: every applicable
offset is claimed, one message is sent. A transient send failure deletes the claim so a
later run retries; a member who blocked the bot (403) is marked unreachable and the claim
stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select

from lucien.access.users import mark_unreachable
from lucien.db.models import Plan, ReminderSent, Subscription, User
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore
from lucien.jobs.context import MAX_PLANNED_KEPT, CronContext
from lucien.jobs.pool import run_pool
from lucien.telegram.errors import is_forbidden
from lucien.telegram.limiter import BudgetExhausted, CallTimedOut
from lucien.voice.data import StarsOffer

STEP = "reminders"


def _due_condition(offsets: tuple[int, ...], now: datetime):  # type: ignore[no-untyped-def]
    unsent = []
    for hours in offsets:
        unsent.append(
            and_(
                Subscription.ends_at <= now + timedelta(hours=hours),
                ~exists().where(
                    ReminderSent.subscription_id == Subscription.id,
                    ReminderSent.offset_hours == hours,
                    ReminderSent.period_end == Subscription.ends_at,
                ),
            )
        )
    return and_(
        Subscription.status == "active",
        Subscription.ends_at > now,
        Subscription.ends_at <= now + timedelta(hours=max(offsets)),
        or_(*unsent),
    )


async def _candidates(ctx: CronContext, limit: int, skip: set[int]) -> list[tuple]:  # type: ignore[type-arg]
    now = ctx.now()
    stmt = (
        select(
            Subscription.id,
            Subscription.user_id,
            Subscription.ends_at,
            User.first_name,
            User.last_name,
            Plan.name,
            Plan.id,
            Plan.days,
            Plan.price_stars,
            Plan.active,
        )
        .join(User, User.id == Subscription.user_id)
        .outerjoin(Plan, Plan.id == Subscription.plan_id)
        .where(_due_condition(ctx.config.reminder_offsets, now))
        .order_by(Subscription.ends_at, Subscription.id)
        .limit(limit)
    )
    if skip:
        stmt = stmt.where(Subscription.id.not_in(skip))
    async with ctx.runtime.sessions() as session:
        return [tuple(row) for row in (await session.execute(stmt)).all()]


def _offer(
    name: str | None, plan_id: int | None, days: int | None, stars: int | None, active: bool | None
) -> StarsOffer | None:
    """The member's plan as a pay button, when it is sold for Stars right now."""
    if plan_id is None or not active or not stars or name is None or days is None:
        return None
    return StarsOffer(plan_id=plan_id, name=name, days=days, stars=stars)


async def _remind(ctx: CronContext, row: tuple) -> None:  # type: ignore[type-arg]
    sub_id, user_id, ends_at, first_name, _last_name, plan_name, *plan = row
    now = ctx.now()
    applicable = [h for h in ctx.config.reminder_offsets if ends_at <= now + timedelta(hours=h)]
    claimed: list[int] = []
    async with ctx.runtime.sessions.begin() as session:
        for hours in applicable:
            inserted = await session.execute(
                insert_ignore(
                    session,
                    ReminderSent,
                    {
                        "subscription_id": sub_id,
                        "offset_hours": hours,
                        "period_end": ends_at,
                        "sent_at": now,
                    },
                    ["subscription_id", "offset_hours", "period_end"],
                )
            )
            if rowcount(inserted) == 1:
                claimed.append(hours)
    if not claimed:
        ctx.count(STEP, "already_claimed")
        return

    async def release() -> None:
        async with ctx.runtime.sessions.begin() as session:
            await session.execute(
                delete(ReminderSent).where(
                    ReminderSent.subscription_id == sub_id,
                    ReminderSent.period_end == ends_at,
                    ReminderSent.offset_hours.in_(claimed),
                )
            )

    message = ctx.voice().reminders.before_end(
        name=first_name or "",
        ends_at=ends_at,
        plan_name=plan_name,
        creator_username=ctx.config.creator_username,
        offer=_offer(plan_name, *plan),
    )
    try:
        await ctx.limiter.run(
            lambda: ctx.bot.send_message(user_id, **message.as_send_kwargs()), chat_id=user_id
        )
    except CallTimedOut:
        raise  # it may have arrived: the mark stays (at most once)
    except BudgetExhausted:
        await release()
        raise
    except Exception as exc:  # every Telegram answer is classified below
        if is_forbidden(exc):
            async with ctx.runtime.sessions.begin() as session:
                await mark_unreachable(session, user_id)
            ctx.count(STEP, "unreachable")
            return
        await release()
        ctx.error(STEP, f"subscription {sub_id}: {exc}")
        ctx.count(STEP, "retry_later")
        return
    ctx.count(STEP, "sent")
    ctx.count(STEP, f"sent_{min(claimed)}h")
    if len(claimed) > 1:
        ctx.count(STEP, "folded", len(claimed) - 1)


async def run_reminders(ctx: CronContext) -> None:
    if not ctx.config.reminder_offsets:
        return
    if ctx.dry_run:
        rows = await _candidates(ctx, 10_000, set())
        ctx.count(STEP, "would_send", len(rows))
        for row in rows[:MAX_PLANNED_KEPT]:
            ctx.plan("remind", row[1], row[3], row[2])
        return
    seen: set[int] = set()
    while ctx.may_claim():
        rows = await _candidates(ctx, ctx.batch_size, seen)
        if not rows:
            break
        seen.update(row[0] for row in rows)
        await run_pool(ctx, STEP, rows, lambda row: _remind(ctx, row))
        if ctx.budget_exhausted:
            break
