"""Free channel approvals: pending join requests that have waited ``free_wait_minutes``.

Claimed like expiries (a lease in ``claimed_until``; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), then ``approveChatJoinRequest``. After an approval Lucien DMs "approved" with
a button to the channel, best effort (a requester who never started the bot answers 403,
which is fine). Telegram's terminal answers — USER_ALREADY_PARTICIPANT,
HIDE_REQUESTER_MISSING, request not found — close the request; anything else is retried
with backoff, and after ``MAX_ATTEMPTS`` the request is marked failed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from lucien.access.join_requests import APPROVED, CLOSED, FAILED, PENDING
from lucien.db.models import JoinRequest, User
from lucien.jobs.claims import claim_rows
from lucien.jobs.context import MAX_PLANNED_KEPT, CronContext, backoff
from lucien.jobs.limiter import BudgetExhausted
from lucien.jobs.pool import drain
from lucien.services.users import mark_unreachable
from lucien.telegram.errors import description, is_forbidden, join_request_closed

STEP = "free"
MAX_ATTEMPTS = 6


def ready(ctx: CronContext, now: datetime, req: Any = JoinRequest) -> ColumnElement[bool]:
    waited = now - timedelta(minutes=max(0, ctx.config.free_wait_minutes))
    return and_(
        req.status == PENDING,
        req.requested_at <= waited,
        or_(req.claimed_until.is_(None), req.claimed_until < now),
        or_(req.next_attempt_at.is_(None), req.next_attempt_at <= now),
    )


async def claim(ctx: CronContext, limit: int) -> list[int]:
    now = ctx.now()
    pick = select(JoinRequest.id).where(ready(ctx, now))
    pick = pick.order_by(JoinRequest.requested_at, JoinRequest.id).limit(limit)
    return await claim_rows(ctx, JoinRequest, pick, ready(ctx, now), now + ctx.lease)


async def release(ctx: CronContext, request_id: int) -> None:
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.id == request_id, JoinRequest.status == PENDING)
            .values(claimed_until=None)
        )


async def _finish(ctx: CronContext, request_id: int, **values: Any) -> None:
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.id == request_id, JoinRequest.status == PENDING)
            .values(claimed_until=None, **values)
        )


async def process(ctx: CronContext, request_id: int) -> None:
    async with ctx.runtime.sessions() as session:
        row = (
            await session.execute(
                select(
                    JoinRequest.user_id,
                    JoinRequest.chat_id,
                    JoinRequest.attempts,
                    JoinRequest.status,
                    User.first_name,
                )
                .join(User, User.id == JoinRequest.user_id)
                .where(JoinRequest.id == request_id)
            )
        ).first()
    if row is None or row.status != PENDING:
        ctx.count(STEP, "gone")
        return
    user_id, chat_id, attempts = row.user_id, row.chat_id, row.attempts
    try:
        await ctx.limiter.run(lambda: ctx.bot.approve_chat_join_request(chat_id, user_id))
    except BudgetExhausted:
        raise
    except Exception as exc:  # classified below
        now = ctx.now()
        error = description(exc)[:1000]
        if join_request_closed(exc):
            await _finish(ctx, request_id, status=CLOSED, last_error=error, decided_at=now)
            ctx.count(STEP, "closed")
            return
        attempts += 1
        if attempts >= MAX_ATTEMPTS:
            await _finish(
                ctx,
                request_id,
                status=FAILED,
                attempts=attempts,
                last_error=error,
                decided_at=now,
                next_attempt_at=None,
            )
            ctx.count(STEP, "failed")
        else:
            await _finish(
                ctx,
                request_id,
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + backoff(attempts),
            )
            ctx.count(STEP, "retry_later")
        ctx.error(STEP, f"approval of {user_id}: {error}")
        return

    await _finish(ctx, request_id, status=APPROVED, decided_at=ctx.now(), last_error=None)
    ctx.count(STEP, "approved")

    message = ctx.voice().flows.free_approved(
        name=row.first_name or "", channel_url=ctx.config.free_invite_link
    )
    try:
        await ctx.limiter.run(
            lambda: ctx.bot.send_message(user_id, **message.as_send_kwargs()), chat_id=user_id
        )
        ctx.count(STEP, "approved_dm")
    except BudgetExhausted:
        ctx.count(STEP, "approved_dm_skipped")
    except Exception as exc:  # best effort
        if is_forbidden(exc):
            async with ctx.runtime.sessions.begin() as session:
                await mark_unreachable(session, user_id)
            ctx.count(STEP, "approved_dm_unreachable")
        else:
            ctx.count(STEP, "approved_dm_failed")


async def run_free_approvals(ctx: CronContext) -> None:
    if ctx.dry_run:
        now = ctx.now()
        async with ctx.runtime.sessions() as session:
            would = await session.scalar(
                select(func.count()).select_from(JoinRequest).where(ready(ctx, now))
            )
            first = (
                await session.execute(
                    select(JoinRequest.user_id, User.first_name, JoinRequest.requested_at)
                    .join(User, User.id == JoinRequest.user_id)
                    .where(ready(ctx, now))
                    .order_by(JoinRequest.requested_at)
                    .limit(MAX_PLANNED_KEPT)
                )
            ).all()
        ctx.count(STEP, "would_approve", int(would or 0))
        for user_id, first_name, requested_at in first:
            ctx.plan("approve", user_id, first_name, requested_at)
        return
    await drain(ctx, STEP, claim, process, release)
