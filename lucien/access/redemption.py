"""Redeeming an invitation (``/start <token>``): atomic single use, then a period.

The invitation is taken with one conditional ``UPDATE … WHERE used_at IS NULL AND
revoked_at IS NULL AND redeem_by > now AND the plan is active … RETURNING``: under any
number of concurrent attempts exactly one transaction sees a row. A miss is classified
afterwards with a plain read (unknown / used / expired / revoked / plan inactive).

Per user, redemptions are serialised by locking the user's row first (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises every writer), so two
invitations redeemed at once both extend the period — neither extension is lost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.invitations import Status, looks_like_token, status_filter
from lucien.access.ratelimit import RateLimiter
from lucien.access.subscriptions import ACTIVE, EXPIRED, move_end
from lucien.db.models import Invitation, Plan, Subscription, User, utcnow
from lucien.db.results import rowcount
from lucien.journal import effect
from lucien.runtime import Runtime


class Outcome(enum.StrEnum):
    NEW = "new"  # a new period: the ritual begins
    EXTENDED = "extended"  # the active period now ends later
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PLAN_INACTIVE = "plan_inactive"
    LIMITED = "limited"  # too many failed attempts: try again later

    @property
    def success(self) -> bool:
        return self in (Outcome.NEW, Outcome.EXTENDED)


@dataclass(frozen=True)
class Redemption:
    outcome: Outcome
    subscription_id: int | None = None
    ends_at: datetime | None = None
    previous_end: datetime | None = None
    plan_name: str | None = None
    plan_days: int | None = None
    ritual_stage: int | None = None
    by_self: bool = False  # USED: this same user redeemed it before
    redeem_by: datetime | None = None  # EXPIRED: when it stopped being redeemable


class RedemptionConflict(RuntimeError):
    """The period changed under the user lock: cannot happen; roll back loudly."""


async def lock_user(session: AsyncSession, user_id: int) -> None:
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def _classify_miss(
    session: AsyncSession, token: str, user_id: int, now: datetime
) -> Redemption:
    row = (
        await session.execute(
            select(Invitation, Plan)
            .join(Plan, Plan.id == Invitation.plan_id)
            .where(Invitation.token == token)
        )
    ).first()
    if row is None:
        return Redemption(Outcome.UNKNOWN)
    invitation, plan = row
    if invitation.used_at is not None:
        return Redemption(Outcome.USED, by_self=invitation.used_by == user_id, plan_name=plan.name)
    if invitation.revoked_at is not None:
        return Redemption(Outcome.REVOKED, plan_name=plan.name)
    if invitation.redeem_by <= now:
        return Redemption(Outcome.EXPIRED, plan_name=plan.name, redeem_by=invitation.redeem_by)
    if not plan.active:
        return Redemption(Outcome.PLAN_INACTIVE, plan_name=plan.name)
    return Redemption(Outcome.USED, plan_name=plan.name)  # taken and released meanwhile


@effect("invitation.redeem")
async def redeem_in(
    session: AsyncSession, user_id: int, token: str, now: datetime | None = None
) -> Redemption:
    """The redemption itself, inside the caller's transaction."""
    now = now or utcnow()
    await lock_user(session, user_id)
    taken = (
        await session.execute(
            update(Invitation)
            .where(
                Invitation.token == token,
                status_filter(Status.UNUSED, now),
                Invitation.plan_id.in_(select(Plan.id).where(Plan.active.is_(True))),
            )
            .values(used_by=user_id, used_at=now)
            .returning(Invitation.id, Invitation.plan_id)
        )
    ).first()
    if taken is None:
        return await _classify_miss(session, token, user_id, now)
    invitation_id, plan_id = taken
    plan = await session.get(Plan, plan_id)
    assert plan is not None
    return await grant_period(
        session,
        user_id,
        Grant(plan.id, plan.name, plan.days),
        now,
        action="invitation.redeemed",
        target_type="invitation",
        target_id=invitation_id,
    )


@dataclass(frozen=True)
class Grant:
    """What a redemption or a payment grants: a plan's days (name and days as sold)."""

    plan_id: int | None
    plan_name: str
    days: int


async def grant_period(
    session: AsyncSession,
    user_id: int,
    grant: Grant,
    now: datetime,
    *,
    action: str,
    target_type: str,
    target_id: object,
    details: dict[str, object] | None = None,
) -> Redemption:
    """Extend the member's active period by ``grant.days``, or open a new one (ritual 1).

    The caller has locked the user's row (``lock_user``) in this transaction, so two grants
    at once both count. Invitations and Stars payments share it: a new member always gets
    the ritual, a renewing one the extension, whichever way they paid. ``action`` names the
    audit entry (``target_type``/``target_id``: the invitation or the payment; ``details``
    are added to what it records).
    """
    extra = details or {}
    length = timedelta(days=grant.days)

    async def record(
        before: dict[str, Any] | None, renewal: bool | None = None, **done: Any
    ) -> None:
        """The grant's one audit entry: what it did to which period, and with which plan."""
        after = {**done, "plan": grant.plan_name, "days": grant.days}
        if renewal is not None:
            after["renewal"] = renewal
        await audit.record(
            session,
            action,
            actor_id=user_id,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after={**after, **extra},
            at=now,
        )

    periods = list(
        (
            await session.execute(
                select(Subscription)
                .where(Subscription.user_id == user_id, Subscription.status == ACTIVE)
                .order_by(Subscription.ends_at.desc(), Subscription.id.desc())
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    current = next((s for s in periods if s.ends_at > now), None)

    if current is not None:
        new_end = current.ends_at + length
        if not await move_end(session, current, new_end):
            raise RedemptionConflict(f"subscription {current.id} changed during redemption")
        before = {"subscription_id": current.id, "ends_at": current.ends_at}
        await record(before, mode="extended", subscription_id=current.id, ends_at=new_end)
        return Redemption(
            Outcome.EXTENDED,
            current.id,
            new_end,
            current.ends_at,
            grant.plan_name,
            grant.days,
            current.ritual_stage,
        )

    # New or lapsed member. A lapsed period still marked active (the cron has not reached
    # it yet) is closed here, in the same transaction, so the cron never removes a member
    # who has just renewed.
    for lapsed in periods:
        closed = await session.execute(
            update(Subscription)
            .where(
                Subscription.id == lapsed.id,
                Subscription.status == ACTIVE,
                Subscription.ends_at <= now,
            )
            .values(status=EXPIRED, claimed_until=None)
        )
        if rowcount(closed) == 1:
            await audit.record(
                session,
                "subscription.superseded",
                actor_id=user_id,
                target_type="subscription",
                target_id=lapsed.id,
                before={"status": ACTIVE, "ends_at": lapsed.ends_at},
                after={"status": EXPIRED, "renewed": True},
                at=now,
            )
    ends_at = now + length
    sub_id = (
        await session.execute(
            insert(Subscription)
            .values(
                user_id=user_id,
                plan_id=grant.plan_id,
                started_at=now,
                ends_at=ends_at,
                status=ACTIVE,
                ritual_stage=1,
                removal_attempts=0,
                created_at=now,
            )
            .returning(Subscription.id)
        )
    ).scalar_one()
    await record(None, mode="new", subscription_id=sub_id, ends_at=ends_at, renewal=bool(periods))
    return Redemption(Outcome.NEW, sub_id, ends_at, None, grant.plan_name, grant.days, 1)


async def redeem(
    runtime: Runtime, user_id: int, payload: str, now: datetime | None = None
) -> Redemption:
    """Rate limit, then redeem in one transaction; failures count towards the limit."""
    limiter = RateLimiter(runtime)
    if await limiter.is_limited(user_id, now):
        return Redemption(Outcome.LIMITED)
    if not looks_like_token(payload):
        result = Redemption(Outcome.UNKNOWN)
    else:
        async with runtime.sessions.begin() as session:
            result = await redeem_in(session, user_id, payload, now)
    if not result.outcome.success and not result.by_self:
        await limiter.hit(user_id, now)
    return result
