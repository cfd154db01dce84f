"""Reading subscriptions: the member's current period and its state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import Subscription, utcnow

ACTIVE = "active"
EXPIRED = "expired"
REMOVAL_FAILED = "removal_failed"  # no longer written: such periods are retried
#: Definitive refusals after which a removal (or an approval) counts as stuck: the
#: dashboard shows it and the admins are told (once per period).
STUCK_ATTEMPTS = 3


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
