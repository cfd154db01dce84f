"""Refunding a Stars payment, in the database: the payment is marked and the period loses
what was bought — once.

Telegram is asked first (``refundStarPayment``, by the service that calls this); this is
the second half, one transaction. Both writes are conditional: the payment is marked only
while ``refunded_at`` is empty, and the period is shortened only if its end is still the
one read. A second refund of the same payment (a redelivered press, two custodians at
once, a retry after Telegram's answer was lost) finds the mark and changes nothing, so a
period is never shortened twice.

How much is taken: the purchase's days, from the period's current end. When fewer days
are left than were bought, the period ends now (the caller then removes the member the way
the cron does) and only what was left is counted in ``refunded_days``. A period that has
already ended loses nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.subscriptions import ACTIVE, move_end
from lucien.db.models import Payment, Subscription, utcnow
from lucien.db.records import from_attributes
from lucien.db.results import rowcount

DAY = timedelta(days=1)


class RefundError(ValueError):
    """``code``: not_found (no such payment), anonymous (the person's data was erased:
    nobody to give the Stars back to), refused (Telegram said no; ``reason`` says why),
    busy (the period kept changing under the refund: try again)."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        super().__init__(code if reason is None else f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Refund:
    """What a refund did (plain data: it is the journaled result of the effect)."""

    payment_id: int
    user_id: int | None
    subscription_id: int | None
    plan_name: str
    stars: int
    days: int  # bought
    taken_days: int  # taken off the period (0: it had already ended)
    ends_at: datetime | None  # the period's end now (None: no period)
    ended: bool  # the refund ended a running period (the member leaves the Diván)
    already: bool  # it had been refunded before: nothing changed now


def _days_left(ends_at: datetime, now: datetime) -> int:
    return max(0, math.ceil((ends_at - now) / DAY))


def _outcome(
    payment: Payment, taken: int, ends_at: datetime | None, *, ended: bool, already: bool
) -> Refund:
    return from_attributes(
        Refund,
        payment,
        payment_id=payment.id,
        taken_days=taken,
        ends_at=ends_at,
        ended=ended,
        already=already,
    )


async def _period(session: AsyncSession, payment: Payment) -> Subscription | None:
    """The period the payment opened or extended, read afresh (None: none, or gone)."""
    if payment.subscription_id is None:
        return None
    return await session.get(Subscription, payment.subscription_id, populate_existing=True)


async def _already(session: AsyncSession, payment: Payment) -> Refund:
    sub = await _period(session, payment)
    ends_at = sub.ends_at if sub is not None else None
    return _outcome(payment, payment.refunded_days or 0, ends_at, ended=False, already=True)


async def record(
    session: AsyncSession,
    payment_id: int,
    *,
    actor_id: int | None,
    now: datetime | None = None,
    attempts: int = 3,
) -> Refund:
    """Mark the payment refunded and take its days off its period (see the module).

    Raises ``RefundError("not_found")``, or ``("busy")`` when the period changed under it
    on every attempt (the transaction is then rolled back, the mark with it).
    """
    now = now or utcnow()
    payment = await session.get(Payment, payment_id, populate_existing=True)
    if payment is None:
        raise RefundError("not_found")
    # The mark first: it is what serialises two refunds of one payment (the loser waits
    # for the winner's row lock, then finds the mark and changes nothing).
    marked = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.refunded_at.is_(None))
        .values(refunded_at=now, refunded_by=actor_id, refunded_days=0)
    )
    if rowcount(marked) != 1:
        await session.refresh(payment)
        return await _already(session, payment)
    old_end: datetime | None = None
    taken, ended, new_end = 0, False, None
    for _ in range(attempts):
        sub = await _period(session, payment)
        old_end = sub.ends_at if sub is not None else None
        taken, ended, new_end = 0, False, old_end
        if sub is None or sub.status != ACTIVE or sub.ends_at <= now:
            break  # nothing left of the period to take
        new_end = sub.ends_at - timedelta(days=payment.days)
        taken = payment.days
        if new_end <= now:
            new_end, ended, taken = now, True, min(payment.days, _days_left(sub.ends_at, now))
        if await move_end(session, sub, new_end):
            break
        # an extension or the cron changed it in between: read it again
    else:
        raise RefundError("busy")  # rolls back the mark too
    if taken:
        await session.execute(
            update(Payment).where(Payment.id == payment_id).values(refunded_days=taken)
        )
    await audit.record(
        session,
        "payment.refunded",
        actor_id=actor_id,
        target_type="payment",
        target_id=payment_id,
        before={"ends_at": old_end},
        after={
            "stars": payment.stars,
            "plan": payment.plan_name,
            "days": taken,
            "ends_at": new_end,
            "ended": ended,
            "subscription_id": payment.subscription_id,
        },
        at=now,
    )
    return _outcome(payment, taken, new_end, ended=ended, already=False)
