"""Reading subscriptions: the member's current period and its state."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import Subscription, utcnow
from lucien.db.results import rowcount

ACTIVE = "active"
EXPIRED = "expired"
REMOVAL_FAILED = "removal_failed"  # no longer written: such periods are retried
#: Definitive refusals after which a removal (or an approval) counts as stuck: the
#: dashboard shows it and the admins are told (once per period).
STUCK_ATTEMPTS = 3

Shown = Literal["active", "expired", "removed"]


def shown_status(sub: Subscription, now: datetime) -> Shown:
    """What a period is, as every screen tells it.

    Active while its status is active and its end is ahead; "removed" only once the member
    is really out (removed, with no removal error left); otherwise it has ended ("expired")
    — including a removal that failed, where the member may still be in the channel.
    """
    if sub.status == ACTIVE and sub.ends_at > now:
        return "active"
    if sub.removed_at is not None and sub.removal_error is None:
        return "removed"
    return "expired"


async def current_subscription(
    session: AsyncSession, user_id: int, now: datetime | None = None
) -> Subscription | None:
    """The member's active period (status active, end in the future), latest end first."""
    now = now or utcnow()
    found = await session.execute(
        select(Subscription)
        .where(
            Subscription.user_id == user_id,
            Subscription.status == ACTIVE,
            Subscription.ends_at > now,
        )
        .order_by(Subscription.ends_at.desc(), Subscription.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return found.scalar_one_or_none()


async def move_end(session: AsyncSession, sub: Subscription, new_end: datetime) -> bool:
    """Move a running period's end to ``new_end``, only if it is still active and still ends
    where ``sub`` says (a concurrent change wins; the caller reads again or gives up).
    True when this call moved it."""
    moved = await session.execute(
        update(Subscription)
        .where(
            Subscription.id == sub.id,
            Subscription.status == ACTIVE,
            Subscription.ends_at == sub.ends_at,
        )
        .values(ends_at=new_end)
    )
    return rowcount(moved) == 1
