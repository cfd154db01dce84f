"""Queries and actions behind the admin panel's VIP section.

Plans, invitations and the cron's removal live in ``lucien.access`` and ``lucien.jobs``;
this module adds what only the panel needs: one-statement counts, paginated lists joined
with their users and plans (no N+1), the subscriber card, extending a period by a number
of days (a compare-and-set on its current end) and removing a member now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lucien.access import audit
from lucien.access.invitations import Status as TokenStatus
from lucien.access.invitations import status_filter, status_of
from lucien.access.plans import plan_in_use
from lucien.access.subscriptions import ACTIVE, move_end
from lucien.db.models import Invitation, Plan, Subscription, User, utcnow
from lucien.db.records import from_attributes
from lucien.db.results import rowcount
from lucien.jobs import on_demand
from lucien.jobs.on_demand import Removal
from lucien.journal import effect
from lucien.runtime import Runtime
from lucien.services.cards import sub_card, user_card
from lucien.voice.data import (
    Page,
    PlanCard,
    SubFilter,
    SubscriptionCard,
    TokenCard,
)

log = logging.getLogger(__name__)

TOKENS_PER_PAGE = 5
SUBS_PER_PAGE = 8
PLANS_PER_PAGE = 8
EXPIRING_WINDOW = timedelta(days=7)
EXTEND_DAYS_MAX = 3650
#: The removal started from the panel gets this long to run inside the webhook request.

SUB_FILTERS: tuple[SubFilter, ...] = ("active", "expiring", "expired")
TOKEN_FILTERS: tuple[str, ...] = tuple(s.value for s in TokenStatus)


def _count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def plan_card(plan: Plan, in_use: bool = False) -> PlanCard:
    return from_attributes(PlanCard, plan, in_use=in_use, stars=plan.price_stars)


# -- the section menu ---------------------------------------------------------------------


@dataclass(frozen=True)
class VipOverview:
    active: int
    expiring_7d: int
    tokens_unused: int
    plans_active: int


async def overview(session: AsyncSession, now: datetime | None = None) -> VipOverview:
    now = now or utcnow()
    current = and_(Subscription.status == ACTIVE, Subscription.ends_at > now)
    row = (
        await session.execute(
            select(
                _count(Subscription, current),
                _count(Subscription, current, Subscription.ends_at <= now + EXPIRING_WINDOW),
                _count(Invitation, status_filter(TokenStatus.UNUSED, now)),
                _count(Plan, Plan.active.is_(True)),
            )
        )
    ).one()
    return VipOverview(*(int(v or 0) for v in row))


# -- invitations ----------------------------------------------------------------------------


async def token_counts(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    row = (
        await session.execute(
            select(
                *(
                    func.coalesce(func.sum(case((status_filter(s, now), 1), else_=0)), 0)
                    for s in TokenStatus
                )
            ).select_from(Invitation)
        )
    ).one()
    return {s.value: int(v or 0) for s, v in zip(TokenStatus, row, strict=True)}


def _token_card(inv: Invitation, plan_name: str, used_by: User | None, link: str, now: datetime):
    return TokenCard(
        id=inv.id,
        token=inv.token,
        link=link,
        plan_name=plan_name,
        redeem_by=inv.redeem_by,
        status=status_of(inv, now).value,  # type: ignore[arg-type]
        created_at=inv.created_at,
        used_by=user_card(used_by) if used_by is not None else None,
        used_at=inv.used_at,
        revoked_at=inv.revoked_at,
    )


async def token_page(
    session: AsyncSession,
    status: str,
    page: int,
    bot_username: str,
    *,
    per_page: int = TOKENS_PER_PAGE,
    now: datetime | None = None,
) -> tuple[list[TokenCard], Page, dict[str, int]]:
    """One page of invitations in ``status`` (newest first) with the counts per status."""
    from lucien.access.botinfo import deep_link

    now = now or utcnow()
    counts = await token_counts(session, now)
    wanted = TokenStatus(status)
    where = status_filter(wanted, now)
    at = Page.of(counts[wanted.value], page, per_page)
    order = (
        (Invitation.redeem_by.asc(), Invitation.id.asc())
        if wanted is TokenStatus.UNUSED
        else (Invitation.created_at.desc(), Invitation.id.desc())
    )
    rows = await session.execute(
        select(Invitation, Plan.name, User)
        .join(Plan, Plan.id == Invitation.plan_id)
        .outerjoin(User, User.id == Invitation.used_by)
        .where(where)
        .order_by(*order)
        .offset(at.page * per_page)
        .limit(per_page)
    )
    cards = [
        _token_card(inv, plan_name, used_by, deep_link(bot_username, inv.token), now)
        for inv, plan_name, used_by in rows.all()
    ]
    return cards, at, counts


async def token(
    session: AsyncSession, invitation_id: int, bot_username: str, now: datetime | None = None
) -> TokenCard | None:
    from lucien.access.botinfo import deep_link

    now = now or utcnow()
    row = (
        await session.execute(
            select(Invitation, Plan.name, User)
            .join(Plan, Plan.id == Invitation.plan_id)
            .outerjoin(User, User.id == Invitation.used_by)
            .where(Invitation.id == invitation_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return None
    inv, plan_name, used_by = row
    return _token_card(inv, plan_name, used_by, deep_link(bot_username, inv.token), now)


# -- subscribers --------------------------------------------------------------------------


def sub_filter(kind: str, now: datetime) -> Any:
    current = and_(Subscription.status == ACTIVE, Subscription.ends_at > now)
    if kind == "expiring":
        return and_(current, Subscription.ends_at <= now + EXPIRING_WINDOW)
    if kind == "expired":
        return not_(current)
    return current


async def sub_counts(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    row = (
        await session.execute(
            select(*(_count(Subscription, sub_filter(kind, now)) for kind in SUB_FILTERS))
        )
    ).one()
    return {kind: int(v or 0) for kind, v in zip(SUB_FILTERS, row, strict=True)}


async def sub_page(
    session: AsyncSession,
    kind: str,
    page: int,
    *,
    per_page: int = SUBS_PER_PAGE,
    now: datetime | None = None,
) -> tuple[list[SubscriptionCard], Page, dict[str, int]]:
    now = now or utcnow()
    if kind not in SUB_FILTERS:
        kind = "active"
    counts = await sub_counts(session, now)
    at = Page.of(counts[kind], page, per_page)
    order = (
        (Subscription.ends_at.desc(), Subscription.id.desc())
        if kind == "expired"
        else (Subscription.ends_at.asc(), Subscription.id.asc())
    )
    rows = await session.execute(
        select(Subscription, User, Plan.name)
        .join(User, User.id == Subscription.user_id)
        .outerjoin(Plan, Plan.id == Subscription.plan_id)
        .where(sub_filter(kind, now))
        .order_by(*order)
        .offset(at.page * per_page)
        .limit(per_page)
    )
    return [sub_card(sub, user_card(user), name, now) for sub, user, name in rows.all()], at, counts


async def subscription(
    session: AsyncSession, sub_id: int, now: datetime | None = None
) -> SubscriptionCard | None:
    now = now or utcnow()
    row = (
        await session.execute(
            select(Subscription, User, Plan.name)
            .join(User, User.id == Subscription.user_id)
            .outerjoin(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.id == sub_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return None
    sub, user, name = row
    return sub_card(sub, user_card(user), name, now)


@dataclass(frozen=True)
class Extension:
    subscription_id: int
    previous_end: datetime
    new_end: datetime
    reactivated: bool


class ExtensionBusy(RuntimeError):
    """The period changed (or the cron holds it) on every attempt: try again shortly."""


def _other_current(sub_id: int, user_id: int, now: datetime) -> Any:
    other = aliased(Subscription, name="other")
    return exists().where(
        other.user_id == user_id,
        other.id != sub_id,
        other.status == ACTIVE,
        other.ends_at > now,
    )


@effect("subscription.extend")
async def extend(
    session: AsyncSession,
    sub_id: int,
    days: int,
    *,
    actor_id: int | None,
    now: datetime | None = None,
    attempts: int = 3,
) -> Extension | None:
    """Add ``days`` to a period: from its current end while it runs, from now once it has
    ended (a concluded period is reopened, unless the member has another current period,
    which is then the one extended). Every write is conditional on the end it read.
    None when the period does not exist.
    """
    if not 1 <= days <= EXTEND_DAYS_MAX:
        raise ValueError(f"days must be 1..{EXTEND_DAYS_MAX}")
    now = now or utcnow()
    length = timedelta(days=days)
    target = sub_id
    for _ in range(attempts):
        sub = await session.get(Subscription, target, populate_existing=True)
        if sub is None:
            return None
        running = sub.status == ACTIVE and sub.ends_at > now
        if running:
            new_end = sub.ends_at + length
            moved = await move_end(session, sub, new_end)
        else:
            current = (
                await session.execute(
                    select(Subscription.id)
                    .where(
                        Subscription.user_id == sub.user_id,
                        Subscription.id != sub.id,
                        Subscription.status == ACTIVE,
                        Subscription.ends_at > now,
                    )
                    .order_by(Subscription.ends_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if current is not None:
                target = current
                continue
            new_end = now + length
            left_channel = sub.removed_at is not None and sub.removal_error is None
            values: dict[str, Any] = {
                "status": ACTIVE,
                "ends_at": new_end,
                "farewell_sent_at": None,
                "removed_at": None,
                "removal_attempts": 0,
                "removal_next_at": None,
                "removal_error": None,
                "claimed_until": None,
            }
            if left_channel and sub.ritual_stage != 3:
                values["ritual_stage"] = 3  # /start hands them a personal link again
            reopened = await session.execute(
                update(Subscription)
                .where(
                    Subscription.id == sub.id,
                    Subscription.status == sub.status,
                    Subscription.ends_at == sub.ends_at,
                    # not while a cron run is removing it
                    or_(Subscription.claimed_until.is_(None), Subscription.claimed_until < now),
                    ~_other_current(sub.id, sub.user_id, now),
                )
                .values(**values)
            )
            moved = rowcount(reopened) == 1
        if moved:
            await audit.record(
                session,
                "subscription.extended",
                actor_id=actor_id,
                target_type="subscription",
                target_id=sub.id,
                before={"status": sub.status, "ends_at": sub.ends_at},
                after={"status": ACTIVE, "ends_at": new_end, "days": days},
                at=now,
            )
            return Extension(sub.id, sub.ends_at, new_end, reactivated=not running)
    raise ExtensionBusy(f"subscription {sub_id} kept changing")


# -- removing a member now ----------------------------------------------------------------


async def remove_now(runtime: Runtime, sub_id: int, *, actor_id: int | None) -> Removal | None:
    """Remove a member from the circle at once, exactly as the cron would at the end
    (:func:`lucien.jobs.on_demand.remove_subscription`). None when the period is not
    active (or already being removed)."""
    return await on_demand.remove_subscription(runtime, sub_id, actor_id=actor_id)


# -- plans --------------------------------------------------------------------------------


async def plan_page(
    session: AsyncSession, page: int, *, per_page: int = PLANS_PER_PAGE
) -> tuple[list[PlanCard], Page]:
    total = int(await session.scalar(select(func.count()).select_from(Plan)) or 0)
    at = Page.of(total, page, per_page)
    rows = await session.execute(
        select(Plan)
        .order_by(Plan.active.desc(), Plan.days, Plan.name, Plan.id)
        .offset(at.page * per_page)
        .limit(per_page)
    )
    return [plan_card(p) for p in rows.scalars()], at


async def plan(session: AsyncSession, plan_id: int) -> PlanCard | None:
    found = await session.get(Plan, plan_id, populate_existing=True)
    if found is None:
        return None
    return plan_card(found, await plan_in_use(session, plan_id))


async def active_plans(session: AsyncSession, limit: int = 20) -> list[PlanCard]:
    rows = await session.execute(
        select(Plan).where(Plan.active.is_(True)).order_by(Plan.days, Plan.name).limit(limit)
    )
    return [plan_card(p) for p in rows.scalars()]


async def plan_name_taken(session: AsyncSession, name: str, except_id: int | None = None) -> bool:
    cleaned = " ".join(name.split())
    stmt = exists().where(Plan.name == cleaned)
    if except_id is not None:
        stmt = exists().where(Plan.name == cleaned, Plan.id != except_id)
    return bool(await session.scalar(select(stmt)))
