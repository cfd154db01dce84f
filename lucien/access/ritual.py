"""The entry ritual of a new period: three stages, then complete (stage 4).

1. confirmation ("Continuar") → 2. expectations ("Acepto") → 3. the personal link.
A stage change is one conditional ``UPDATE … SET ritual_stage = s + 1 WHERE … AND
ritual_stage = s``: a double tap advances once, and an old button finds the stage moved on
and is answered with the current one.

The ritual is complete (stage 4) when the member actually enters the VIP channel: the
``chat_member`` update (``membership``), or — for a member who is already inside, e.g. one
who renewed before the cron removed them — when stage 3 finds them in the channel instead
of making a link. The "menu" button on stage 3 only shows the VIP menu: until the member
has entered, ``/start`` keeps resuming stage 3 with their link (a fresh one once it
expires), so nobody who paid can lose their way in. An extension never shows the ritual
(its period keeps whatever stage it had).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.subscriptions import ACTIVE, current_subscription
from lucien.db.models import Subscription, utcnow
from lucien.journal import once
from lucien.runtime import Runtime

FIRST = 1
LINK_STAGE = 3
COMPLETE = 4


@dataclass(frozen=True)
class RitualState:
    subscription_id: int
    stage: int
    ends_at: datetime
    plan_id: int | None

    @property
    def in_progress(self) -> bool:
        return FIRST <= self.stage <= LINK_STAGE


@dataclass(frozen=True)
class Step:
    """The result of pressing a ritual button."""

    advanced: bool
    state: RitualState | None  # the member's current period after the attempt


def _state(sub: Subscription) -> RitualState:
    return RitualState(sub.id, sub.ritual_stage, sub.ends_at, sub.plan_id)


async def current_state(
    session: AsyncSession, user_id: int, now: datetime | None = None
) -> RitualState | None:
    sub = await current_subscription(session, user_id, now)
    return _state(sub) if sub is not None else None


async def in_progress(
    runtime: Runtime, user_id: int, now: datetime | None = None
) -> RitualState | None:
    async with runtime.sessions.begin() as session:
        state = await current_state(session, user_id, now)
    return state if state is not None and state.in_progress else None


async def advance(
    runtime: Runtime,
    user_id: int,
    subscription_id: int,
    from_stage: int,
    now: datetime | None = None,
) -> Step:
    """Move ``from_stage`` → ``from_stage + 1`` if (and only if) that is still the stage."""
    now = now or utcnow()
    async with runtime.sessions.begin() as session:
        if FIRST <= from_stage < LINK_STAGE:
            moved = await once(
                session,
                "ritual.advance",
                int | None,
                lambda: _move(session, user_id, subscription_id, from_stage, now),
            )
        else:
            moved = None
        state = await current_state(session, user_id, now)
    return Step(advanced=moved is not None, state=state)


async def _move(
    session: AsyncSession, user_id: int, subscription_id: int, from_stage: int, now: datetime
) -> int | None:
    return (
        await session.execute(
            update(Subscription)
            .where(
                Subscription.id == subscription_id,
                Subscription.user_id == user_id,
                Subscription.status == ACTIVE,
                Subscription.ends_at > now,
                Subscription.ritual_stage == from_stage,
            )
            .values(ritual_stage=from_stage + 1)
            .returning(Subscription.id)
        )
    ).scalar_one_or_none()


async def complete(
    session: AsyncSession,
    user_id: int,
    *,
    subscription_id: int | None = None,
    now: datetime | None = None,
) -> int | None:
    """Mark the ritual complete; returns the subscription id when something changed."""
    now = now or utcnow()
    stmt = (
        update(Subscription)
        .where(
            Subscription.user_id == user_id,
            Subscription.status == ACTIVE,
            Subscription.ends_at > now,
            Subscription.ritual_stage >= FIRST,
            Subscription.ritual_stage <= LINK_STAGE,
        )
        .values(ritual_stage=COMPLETE)
        .returning(Subscription.id)
    )
    if subscription_id is not None:
        stmt = stmt.where(Subscription.id == subscription_id)
    changed = list((await session.execute(stmt)).scalars())
    return changed[0] if changed else None
