"""Free channel approvals: pending join requests that have waited ``free_wait_minutes``.

Claimed like expiries (a lease in ``claimed_until``; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), then ``approveChatJoinRequest``. After an approval Lucien DMs "approved" with
a button to the channel, best effort (a requester who never started the bot answers 403,
which is fine). Telegram's terminal answers — USER_ALREADY_PARTICIPANT,
HIDE_REQUESTER_MISSING, request not found — close the request. Network errors, Telegram
5xx and calls cut by the run's budget are not attempts: the claim goes back and the next
run tries again. Any other refusal counts an attempt and is retried with backoff; after
``MAX_ATTEMPTS`` refusals the request is marked failed.

Run from an update (the admin's «approve all», ``strict=True``) a transient failure is
not left to the next cron run: the claim goes back and :class:`Interrupted` fails the
update, so Telegram delivers it again. The redelivery replays the calls that already
succeeded (``lucien.telegram.journal``) and each request's outcome is journaled with its
row (``lucien.journal.once``), so the whole approval happens exactly once. That is why,
there, the welcome DM is sent *before* the row is marked approved: a row marked approved
is never claimed again, and its DM would be lost with the failed attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.sql.elements import ColumnElement

from lucien.access.free_link import LINK_NAME, free_way_in
from lucien.access.join_requests import APPROVED, CLOSED, FAILED, PENDING
from lucien.access.users import mark_unreachable
from lucien.db.models import JoinRequest, User
from lucien.jobs.claims import claim_due, plan_due, release_claim, takeable
from lucien.jobs.context import CronContext, backoff
from lucien.jobs.pool import drain
from lucien.journal import once
from lucien.telegram.errors import description, is_forbidden, is_outage, join_request_closed
from lucien.telegram.limiter import BudgetExhausted, Interrupted

STEP = "free"
MAX_ATTEMPTS = 6


def ready(ctx: CronContext, now: datetime, req: Any = JoinRequest) -> ColumnElement[bool]:
    waited = now - timedelta(minutes=max(0, ctx.config.free_wait_minutes))
    ripe = and_(req.status == PENDING, req.requested_at <= waited)
    return and_(ripe, takeable(req, req.next_attempt_at, now))


async def claim(ctx: CronContext, limit: int) -> list[int]:
    now = ctx.now()
    order = (JoinRequest.requested_at, JoinRequest.id)
    return await claim_due(ctx, STEP, ready(ctx, now), order, limit, now)


async def release(ctx: CronContext, request_id: int) -> None:
    await release_claim(ctx, JoinRequest, request_id, JoinRequest.status == PENDING)


async def finish(ctx: CronContext, request_id: int, **values: Any) -> None:
    """Settle a claimed request still pending (release it, with ``values``)."""
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.id == request_id, JoinRequest.status == PENDING)
            .values(claimed_until=None, **values)
        )


OUTCOME = "free.outcome"


def outcome_key(request_id: int) -> str:
    return f"{OUTCOME}:{request_id}"


async def _settle(ctx: CronContext, request_id: int, outcome: str, **values: Any) -> None:
    """Settle the row and count its outcome; inside an update the outcome is journaled in
    the same transaction (a redelivery neither settles nor counts it twice)."""

    async def settle() -> str:
        await session.execute(
            update(JoinRequest)
            .where(JoinRequest.id == request_id, JoinRequest.status == PENDING)
            .values(claimed_until=None, **values)
        )
        return outcome

    async with ctx.runtime.sessions.begin() as session:
        await once(session, outcome_key(request_id), str, settle)
    ctx.count(STEP, outcome)


async def process(ctx: CronContext, request_id: int, *, strict: bool = False) -> None:
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
            await _settle(
                ctx, request_id, "closed", status=CLOSED, last_error=error, decided_at=now
            )
            return
        if is_outage(exc):  # not an attempt
            await release(ctx, request_id)
            if strict:
                raise Interrupted(exc) from exc
            ctx.defer(STEP, request_id)
            ctx.count(STEP, "retry_later")
            ctx.error(STEP, f"approval of {user_id} waits for Telegram: {error}")
            return
        attempts += 1
        if attempts >= MAX_ATTEMPTS:
            await _settle(
                ctx,
                request_id,
                "failed",
                status=FAILED,
                attempts=attempts,
                last_error=error,
                decided_at=now,
                next_attempt_at=None,
            )
        else:
            await _settle(
                ctx,
                request_id,
                "retry_later",
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + backoff(attempts),
            )
        ctx.error(STEP, f"approval of {user_id}: {error}")
        return

    if not strict:
        await _settle(
            ctx, request_id, "approved", status=APPROVED, decided_at=ctx.now(), last_error=None
        )
    try:
        await _welcome(ctx, user_id, chat_id, row.first_name, strict=strict)
    except Interrupted:
        await release(ctx, request_id)
        raise
    if strict:
        await _settle(
            ctx, request_id, "approved", status=APPROVED, decided_at=ctx.now(), last_error=None
        )


async def _welcome(
    ctx: CronContext, user_id: int, chat_id: int, first_name: str | None, *, strict: bool
) -> None:
    """The "approved" DM with the way into the channel, best effort (strict: a transient
    failure raises :class:`Interrupted`)."""

    async def create() -> Any:
        try:
            return await ctx.limiter.run(
                lambda: ctx.bot.create_chat_invite_link(
                    chat_id, name=LINK_NAME, creates_join_request=True
                )
            )
        except BudgetExhausted:
            raise
        except Exception as exc:
            if strict and is_outage(exc):
                raise Interrupted(exc) from exc
            raise

    way_in = await free_way_in(
        ctx.runtime, chat_id, known=ctx.config.free_invite_link, create=create
    )
    message = ctx.voice().flows.free_approved(name=first_name or "", channel_url=way_in)
    try:
        await ctx.limiter.run(
            lambda: ctx.bot.send_message(user_id, **message.as_send_kwargs()), chat_id=user_id
        )
        ctx.count(STEP, "approved_dm")
    except BudgetExhausted:
        ctx.count(STEP, "approved_dm_skipped")
    except Exception as exc:  # best effort
        if strict and is_outage(exc):
            raise Interrupted(exc) from exc
        if is_forbidden(exc):
            async with ctx.runtime.sessions.begin() as session:
                await mark_unreachable(session, user_id)
            ctx.count(STEP, "approved_dm_unreachable")
        else:
            ctx.count(STEP, "approved_dm_failed")


async def run_free_approvals(ctx: CronContext) -> None:
    if ctx.dry_run:
        ready_now = ready(ctx, ctx.now())
        await plan_due(ctx, STEP, ready_now, JoinRequest.requested_at, "would_approve", "approve")
        return
    await drain(ctx, STEP, claim, process, release)
