"""The cron's steps on demand: what the admin panel runs now instead of waiting.

Removing one member at once, approving every pending Free request, declining them all.
The panel calls these typed functions and never builds a :class:`CronContext` or a
:class:`~lucien.telegram.limiter.Limiter` itself. Each call gets a one-off context — never
a dry run (it is an explicit admin action), its own time budget — and runs the very code
the cron runs, with the cron's claims, so a scheduled run at the same moment never handles
the same row twice. What the time budget leaves undone, the next cron run finishes.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update

from lucien.access import audit
from lucien.access.join_requests import CLOSED, DECLINED, PENDING
from lucien.access.subscriptions import ACTIVE
from lucien.db.models import JoinRequest, Subscription, utcnow
from lucien.db.results import rowcount
from lucien.jobs import expiry, free_approvals
from lucien.jobs.claims import claim_rows
from lucien.jobs.context import CronContext, read_config
from lucien.jobs.pacing import shared_limiter
from lucien.jobs.pool import run_pool
from lucien.journal import current_journal
from lucien.runtime import Runtime
from lucien.telegram.errors import description, join_request_closed
from lucien.telegram.limiter import Budget, BudgetExhausted, Interrupted, Limiter

log = logging.getLogger(__name__)

REMOVAL_BUDGET_SECONDS = 20.0
BULK_BUDGET_SECONDS = 25.0
BULK_BATCH = 20
DECLINE_STEP = "reject"


@dataclass(frozen=True)
class Removal:
    """How removing one period went."""

    subscription_id: int
    done: bool  # the period is closed
    from_channel: bool  # and the member is out of the channel
    vip_channel: bool = True  # False: none is configured (nothing removed, nothing retried)


@dataclass(frozen=True)
class Bulk:
    """How a bulk action on the Free queue went."""

    done: int  # approved (approve all) or declined (reject all)
    closed: int  # Telegram said there was nothing left to do
    failed: int  # to be retried later (still pending) or given up
    unfinished: bool  # the time budget ran out before every request was handled


async def _context(runtime: Runtime, budget_seconds: float, *, shared: bool) -> CronContext:
    """A one-off run's context; ``shared``: paced within the cron's own rate."""
    budget = Budget(budget_seconds)
    return CronContext(
        runtime=runtime,
        config=await read_config(runtime),
        dry_run=False,  # an explicit admin action, not the scheduled round
        budget=budget,
        limiter=shared_limiter(runtime, budget) if shared else Limiter(budget=budget),
    )


# -- removing one member now ------------------------------------------------------------------


async def _start_removal(
    ctx: CronContext, sub_id: int, *, actor_id: int | None, now: datetime
) -> bool:
    """End a running period now and hold it for this request (like a cron claim).

    False when it is not an active period or a cron run is already working on it.
    """
    async with ctx.runtime.sessions.begin() as session:
        sub = await session.get(Subscription, sub_id, populate_existing=True)
        if sub is None or sub.status != ACTIVE:
            return False
        ended = min(sub.ends_at, now)
        taken = await session.execute(
            update(Subscription)
            .where(
                Subscription.id == sub_id,
                Subscription.status == ACTIVE,
                or_(Subscription.claimed_until.is_(None), Subscription.claimed_until < now),
            )
            .values(ends_at=ended, claimed_until=now + ctx.lease, removal_next_at=None)
        )
        if rowcount(taken) != 1:
            return False
        await audit.record(
            session,
            "subscription.removed",
            actor_id=actor_id,
            target_type="subscription",
            target_id=sub_id,
            before={"status": ACTIVE, "ends_at": sub.ends_at},
            after={"ends_at": ended, "user_id": sub.user_id},
            at=now,
        )
    return True


async def remove_subscription(
    runtime: Runtime,
    sub_id: int,
    *,
    actor_id: int | None,
    budget_seconds: float = REMOVAL_BUDGET_SECONDS,
) -> Removal | None:
    """Remove a member from the circle at once, exactly as the cron would at the end:
    farewell, ban + unban(only_if_banned) in the VIP channel, open links revoked, period
    closed and audited. A Telegram failure leaves the period to the cron's retries; with no
    VIP channel configured the period is simply closed (nothing to remove from, no retry).

    None when the period is not active (or already being removed).
    """
    ctx = await _context(runtime, budget_seconds, shared=True)
    if not await _start_removal(ctx, sub_id, actor_id=actor_id, now=utcnow()):
        return None
    try:
        await expiry.process(ctx, sub_id)
    except Exception:
        log.exception("removal of subscription %s on demand", sub_id)
        await expiry.release(ctx, sub_id)  # the cron carries on
    async with runtime.sessions() as session:
        sub = await session.get(Subscription, sub_id)
    if sub is None:
        return Removal(sub_id, True, True)
    done = sub.status != ACTIVE
    return Removal(
        sub_id,
        done,
        done and sub.removed_at is not None and not sub.removal_error,
        vip_channel=ctx.config.vip_channel_id is not None,
    )


# -- the Free queue, all at once --------------------------------------------------------------


def _claimable(now: datetime, after_id: int) -> ColumnElement[bool]:
    return and_(
        JoinRequest.status == PENDING,
        JoinRequest.id > after_id,
        or_(JoinRequest.claimed_until.is_(None), JoinRequest.claimed_until < now),
    )


async def _claim_pending(ctx: CronContext, *, after_id: int, limit: int) -> list[int]:
    """Take up to ``limit`` pending requests (id order, past ``after_id``) for this run,
    with the cron's own claim (lock, then lease; concurrent runs skip each other's rows)."""
    now = ctx.now()
    pick = select(JoinRequest.id).where(_claimable(now, after_id))
    pick = pick.order_by(JoinRequest.id).limit(limit)
    return await claim_rows(ctx, JoinRequest, pick, _claimable(now, after_id), now + ctx.lease)


async def _each_pending(
    ctx: CronContext,
    step: str,
    work: Callable[[int], Awaitable[None]],
    release: Callable[[int], Awaitable[None]],
) -> None:
    after = 0
    while ctx.may_claim():
        ids = await _claim_pending(ctx, after_id=after, limit=BULK_BATCH)
        if not ids:
            break
        after = ids[-1]
        await run_pool(ctx, step, ids, work, release=release)
        if ctx.budget_exhausted:
            break


def approvals_resumed() -> dict[int, str]:
    """The requests an earlier attempt of this update's «approve all» already settled, by
    id, with their outcome (empty outside an update or on a first attempt)."""
    journal = current_journal()
    prefix = f"db:{free_approvals.OUTCOME}:"
    settled: dict[int, str] = {}
    for key, outcome in ((journal.previous or {}) if journal else {}).items():
        if key.startswith(prefix):
            settled[int(key[len(prefix) :].partition("#")[0])] = str(outcome)
    return settled


async def approve_pending(runtime: Runtime, *, budget_seconds: float = BULK_BUDGET_SECONDS) -> Bulk:
    """Approve every pending request now, without waiting (the cron's step per request).

    Run from the admin's button, so retry-safe (``strict``): a transient Telegram failure
    fails the update once every other request has had its turn; the redelivery finishes
    the rest and counts, in its summary, what the earlier attempts settled.
    """
    earlier = approvals_resumed()
    ctx = await _context(runtime, budget_seconds, shared=False)
    step = free_approvals.STEP
    interrupted: list[Interrupted] = []

    async def work(request_id: int) -> None:
        if request_id in earlier:  # settled by an earlier attempt, still pending (retry)
            await free_approvals.release(ctx, request_id)
            return
        try:
            await free_approvals.process(ctx, request_id, strict=True)
        except Interrupted as exc:
            interrupted.append(exc)

    await _each_pending(ctx, step, work, lambda request_id: free_approvals.release(ctx, request_id))
    if interrupted:
        raise interrupted[0].cause
    got = Counter(ctx.counts.get(step, Counter()))
    got.update(earlier.values())
    return Bulk(
        done=got.get("approved", 0),
        closed=got.get("closed", 0),
        failed=got.get("retry_later", 0) + got.get("failed", 0),
        unfinished=ctx.budget_exhausted,
    )


async def _decline(ctx: CronContext, request_id: int) -> None:
    async with ctx.runtime.sessions() as session:
        row = (
            await session.execute(
                select(JoinRequest.user_id, JoinRequest.chat_id, JoinRequest.status).where(
                    JoinRequest.id == request_id
                )
            )
        ).first()
    if row is None or row.status != PENDING:
        return
    try:
        await ctx.limiter.run(lambda: ctx.bot.decline_chat_join_request(row.chat_id, row.user_id))
    except BudgetExhausted:
        raise
    except Exception as exc:  # classified below
        error = description(exc)[:1000]
        if join_request_closed(exc):
            await free_approvals.finish(
                ctx, request_id, status=CLOSED, last_error=error, decided_at=ctx.now()
            )
            ctx.count(DECLINE_STEP, "closed")
        else:
            await free_approvals.finish(ctx, request_id, last_error=error)
            ctx.count(DECLINE_STEP, "failed")
            ctx.error(DECLINE_STEP, f"decline of {row.user_id}: {error}")
        return
    await free_approvals.finish(
        ctx, request_id, status=DECLINED, decided_at=ctx.now(), last_error=None
    )
    ctx.count(DECLINE_STEP, "declined")


async def decline_pending(runtime: Runtime, *, budget_seconds: float = BULK_BUDGET_SECONDS) -> Bulk:
    """Decline every pending request (the one place a request is ever declined; no
    message to the requester)."""
    ctx = await _context(runtime, budget_seconds, shared=False)

    async def release(request_id: int) -> None:
        await free_approvals.finish(ctx, request_id)

    await _each_pending(ctx, DECLINE_STEP, lambda request_id: _decline(ctx, request_id), release)
    got = ctx.counts.get(DECLINE_STEP, Counter())
    return Bulk(
        done=got.get("declined", 0),
        closed=got.get("closed", 0),
        failed=got.get("failed", 0),
        unfinished=ctx.budget_exhausted,
    )


__all__ = [
    "Bulk",
    "Removal",
    "approvals_resumed",
    "approve_pending",
    "decline_pending",
    "remove_subscription",
]
