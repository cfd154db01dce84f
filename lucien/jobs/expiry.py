"""Expiry and removal: periods whose end has passed.

Rows are claimed with a lease (``claimed_until``, see ``claims.claim_rows``) where <due> is:
active, ended, not claimed by a live lease, not waiting for a retry. On PostgreSQL
concurrent runs skip each other's locked rows; on SQLite the transaction holds the write
lock from BEGIN, so the second run sees the first run's lease. Either way two runs never
work on the same row.

For each claimed period: if the member has another active period (a renewal), it is only
marked expired. Otherwise:

1. **Farewell, at most once.** ``farewell_sent_at`` is set *before* the message goes, so a
   crash after sending cannot send it again; it is given back only when the message surely
   did not leave (no time to pace it, flood control, connection refused). A 403 marks the
   member unreachable; the removal never waits for a farewell.
2. **The last check, then the ban.** Right before ``banChatMember`` (after pacing), in one
   transaction that takes the member's row lock — the lock redemption takes first — the
   period must still be active, still end when it did, and the member must have no other
   current period. A renewal that commits before that check is never removed. One that
   commits in the instant between the check and Telegram's ban is found by a second check
   after it: the ban is lifted (``unbanChatMember(only_if_banned=True)``, done anyway)
   and their current period hands them a personal link again at ``/start`` (ritual
   stage 3), the same as an extension after a removal.
3. **Removal**: ban + ``unbanChatMember(only_if_banned=True)`` ("not a member" counts as
   done), open personal links revoked, the period marked expired with ``removed_at`` and
   an audit entry — only if it still ends when it did (an extension in between wins).

Failures: network errors, Telegram 5xx, an undecodable answer or a call cut by the run's
budget are *not attempts*: the claim is given back and the next run tries again. Only a
definitive refusal counts an attempt and backs off (1 min, 2, 4… capped at an hour); the
cron never gives up on a removal. After ``STUCK_ATTEMPTS`` refusals the admins are told
once per period (``removal_reported_at``), and it keeps being retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from lucien.access import audit
from lucien.access.links import revoke_open_links
from lucien.access.removal import remove_member
from lucien.access.roles import admin_ids
from lucien.access.subscriptions import ACTIVE, EXPIRED, STUCK_ATTEMPTS
from lucien.access.users import mark_unreachable
from lucien.db.models import AlertOptOut, Subscription, User
from lucien.db.results import rowcount
from lucien.jobs.claims import claim_due, plan_due, release_claim, takeable
from lucien.jobs.context import CronContext, backoff
from lucien.jobs.pool import drain
from lucien.telegram.errors import (
    description,
    is_forbidden,
    is_outage,
    surely_not_sent,
)
from lucien.telegram.limiter import BudgetExhausted, CallTimedOut
from lucien.voice.data import UserCard

STEP = "expiry"


def due(now: datetime, sub: Any = Subscription) -> ColumnElement[bool]:
    return and_(sub.status == ACTIVE, sub.ends_at <= now, takeable(sub, sub.removal_next_at, now))


async def _record_expired(
    session: AsyncSession, sub_id: int, at: datetime, before: dict[str, Any], **after: Any
) -> None:
    """The audit entry of a period the cron closed, removed from the channel or kept."""
    after = {"status": EXPIRED, **after}
    await audit.record(
        session,
        "subscription.expired",
        target_type="subscription",
        target_id=sub_id,
        before=before,
        after=after,
        at=at,
    )


async def claim(ctx: CronContext, limit: int) -> list[int]:
    now = ctx.now()
    order = (Subscription.ends_at, Subscription.id)
    return await claim_due(ctx, STEP, due(now), order, limit, now)


async def release(ctx: CronContext, sub_id: int) -> None:
    await release_claim(ctx, Subscription, sub_id, Subscription.status == ACTIVE)


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
                why = "renewed" if renewed else "admin"
                before = {"status": ACTIVE}
                await _record_expired(session, sub.id, now, before, removed=False, why=why)
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
    async with ctx.runtime.sessions.begin() as session:
        taken = await session.execute(
            update(Subscription)
            .where(
                Subscription.id == item.id,
                Subscription.status == ACTIVE,
                Subscription.farewell_sent_at.is_(None),
            )
            .values(farewell_sent_at=ctx.now())
        )
    if rowcount(taken) != 1:
        return  # another run (before a crash) has sent it, or is sending it

    async def give_back() -> None:
        async with ctx.runtime.sessions.begin() as session:
            await session.execute(
                update(Subscription)
                .where(Subscription.id == item.id, Subscription.status == ACTIVE)
                .values(farewell_sent_at=None)
            )

    try:
        await ctx.limiter.run(
            lambda: ctx.bot.send_message(item.user_id, **message.as_send_kwargs()),
            chat_id=item.user_id,
        )
    except CallTimedOut:
        raise  # it may have arrived: kept as sent (at most once)
    except BudgetExhausted:
        await give_back()  # never sent
        raise
    except Exception as exc:  # classified below
        if is_forbidden(exc):
            async with ctx.runtime.sessions.begin() as session:
                await mark_unreachable(session, item.user_id)
            ctx.count(STEP, "unreachable")
            return
        if surely_not_sent(exc):
            await give_back()  # a retried removal will try it again
        # Not sent; the removal goes ahead anyway (it never waits for a farewell).
        ctx.error(STEP, f"farewell to {item.user_id}: {description(exc)}")
        ctx.count(STEP, "farewell_failed")
        return
    ctx.count(STEP, "farewells")


class _NoLongerDue(Exception):
    """The last check before the ban found the member renewed (or the period gone)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


async def _last_check(ctx: CronContext, item: Due) -> str | None:
    """Why the ban must not happen now, or None. Takes the member's row lock first, as
    redemption does, so a renewal either committed before this or comes after the ban."""
    now = ctx.now()
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(select(User.id).where(User.id == item.user_id).with_for_update())
        row = (
            await session.execute(
                select(Subscription.status, Subscription.ends_at).where(Subscription.id == item.id)
            )
        ).first()
        if row is None or row.status != ACTIVE:
            return "gone"
        if row.ends_at != item.ends_at or row.ends_at > now:
            return "renewed"  # extended in place
        if await session.scalar(select(_renewed_condition(item.id, item.user_id, now))):
            return "renewed"
    return None


async def _remove(ctx: CronContext, item: Due) -> str | None:
    """Out of the VIP channel. Returns a note for terminal non-removals."""
    channel = ctx.config.vip_channel_id
    if channel is None:
        return "no VIP channel configured"

    async def check() -> None:
        why = await _last_check(ctx, item)
        if why is not None:
            raise _NoLongerDue(why)

    return await remove_member(
        ctx.bot, channel, item.user_id, call=ctx.limiter.run, before_ban=check
    )


async def _readmit_if_renewed(session: AsyncSession, item: Due, now: datetime) -> bool:
    """After the ban: a renewal that landed meanwhile gets its way back in (the ban is
    already lifted; ``/start`` hands a personal link again)."""
    current = (
        await session.execute(
            select(Subscription.id, Subscription.ritual_stage)
            .where(
                Subscription.user_id == item.user_id,
                Subscription.status == ACTIVE,
                Subscription.ends_at > now,
            )
            .order_by(Subscription.ends_at.desc())
            .limit(1)
        )
    ).first()
    if current is None:
        return False
    if current.ritual_stage in (0, 4):
        await session.execute(
            update(Subscription)
            .where(Subscription.id == current.id, Subscription.ritual_stage.in_((0, 4)))
            .values(ritual_stage=3)
        )
    await audit.record(
        session,
        "subscription.readmitted",
        target_type="subscription",
        target_id=current.id,
        after={"user_id": item.user_id, "removed_period": item.id},
        at=now,
    )
    return True


async def _transient(ctx: CronContext, item: Due, exc: BaseException) -> None:
    """Not an attempt: the claim goes back and the next run tries again."""
    await release(ctx, item.id)
    ctx.defer(STEP, item.id)
    ctx.error(STEP, f"removal of {item.user_id} waits for Telegram: {description(exc)}")
    ctx.count(STEP, "retry_later")


async def _refused(ctx: CronContext, item: Due, exc: BaseException) -> None:
    """A definitive refusal: one attempt, a backoff, and the admins told once when stuck."""
    now = ctx.now()
    attempts = item.attempts + 1
    error = description(exc)[:1000]
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == item.id, Subscription.status == ACTIVE)
            .values(
                removal_attempts=attempts,
                removal_error=error,
                claimed_until=None,
                removal_next_at=now + backoff(attempts),
            )
        )
    ctx.error(STEP, f"removal of {item.user_id} (subscription {item.id}): {error}")
    ctx.count(STEP, "attempt_failed")
    if attempts >= STUCK_ATTEMPTS:
        await _report_stuck(ctx, item, attempts)


async def _report_stuck(ctx: CronContext, item: Due, attempts: int) -> None:
    """Tell the admins who take operational alerts, once per period (the mark is taken
    before sending; given back if nobody could be told, so a later attempt tells them)."""
    async with ctx.runtime.sessions.begin() as session:
        taken = await session.execute(
            update(Subscription)
            .where(Subscription.id == item.id, Subscription.removal_reported_at.is_(None))
            .values(removal_reported_at=ctx.now())
        )
        if rowcount(taken) != 1:
            return
        muted = set((await session.execute(select(AlertOptOut.user_id))).scalars())
        admins = [a for a in await admin_ids(session, ctx.runtime.settings) if a not in muted]
        person = await session.get(User, item.user_id)
    card = UserCard(
        id=item.user_id,
        first_name=person.first_name if person else item.first_name,
        last_name=person.last_name if person else None,
        username=person.username if person else None,
    )
    notice = ctx.voice().expiry.removal_stuck(user=card, attempts=attempts)
    told = 0
    for admin_id in admins:
        try:
            await ctx.limiter.run(
                lambda a=admin_id: ctx.bot.send_message(a, **notice.as_send_kwargs()),  # type: ignore[misc]
                chat_id=admin_id,
            )
            told += 1
        except BudgetExhausted:
            break
        except Exception as exc:  # an admin who cannot be reached is not a reason to stop
            ctx.error(STEP, f"stuck-removal notice to {admin_id}: {description(exc)}")
    if told:
        ctx.count(STEP, "stuck_reported")
        return
    async with ctx.runtime.sessions.begin() as session:
        await session.execute(
            update(Subscription).where(Subscription.id == item.id).values(removal_reported_at=None)
        )


async def process(ctx: CronContext, sub_id: int) -> None:
    loaded = await _load(ctx, sub_id)
    if isinstance(loaded, str):
        ctx.count(STEP, loaded)
        return
    item = loaded
    if not item.farewell_sent:
        await _farewell(ctx, item)

    try:
        note = await _remove(ctx, item)
    except _NoLongerDue:
        # A renewal landed while the farewell was on its way: _load closes the period.
        again = await _load(ctx, sub_id)
        ctx.count(STEP, again if isinstance(again, str) else "renewed")
        if not isinstance(again, str):
            await release(ctx, sub_id)
        return
    except BudgetExhausted:
        raise
    except Exception as exc:  # classified: transient or a refusal
        if is_outage(exc):
            await _transient(ctx, item, exc)
        else:
            await _refused(ctx, item, exc)
        return

    now = ctx.now()
    readmitted = False
    async with ctx.runtime.sessions.begin() as session:
        if note is None and await _readmit_if_renewed(session, item, now):
            readmitted, note = True, "renewed during removal: readmitted"
        done = await session.execute(
            update(Subscription)
            .where(
                Subscription.id == item.id,
                Subscription.status == ACTIVE,
                Subscription.ends_at == item.ends_at,  # an extension in between wins
            )
            .values(
                status=EXPIRED,
                removed_at=now,
                claimed_until=None,
                removal_error=note,
                removal_next_at=None,
            )
        )
        if rowcount(done) == 1:
            before = {"status": ACTIVE, "ends_at": item.ends_at}
            after = {"removed": note is None, "note": note, "user_id": item.user_id}
            await _record_expired(session, item.id, now, before, **after)
        else:
            await session.execute(
                update(Subscription)
                .where(Subscription.id == item.id, Subscription.status == ACTIVE)
                .values(claimed_until=None)
            )
    if readmitted:
        ctx.count(STEP, "readmitted")
    if rowcount(done) != 1:
        ctx.count(STEP, "renewed")
        return
    ctx.count(STEP, "expired")
    if note is not None:
        return
    ctx.count(STEP, "removed")
    # Their personal links go too (after the period is closed: best effort, as before).
    _, link_errors = await revoke_open_links(
        ctx.runtime, item.user_id, ctx.config.vip_channel_id, limiter=ctx.limiter
    )
    for err in link_errors:
        ctx.error(STEP, err)


async def run_expiry(ctx: CronContext) -> None:
    if ctx.dry_run:
        await plan_due(ctx, STEP, due(ctx.now()), Subscription.ends_at, "would_expire", "remove")
        return
    await drain(ctx, STEP, claim, process, release)
