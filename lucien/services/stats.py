"""Admin · observations: aggregate queries only (one per area), into the voice's StatsData.

- VIP: *active* members have a period with status active and an end in the future;
  *expired* are people who had a period and have no active one now; *expiring in 7 days*
  are active members whose latest end falls within the next 7 days; *new* members started
  a period in the last 1/7/30 days (an extension moves the end of the same period and is
  not counted again; coming back after a lapse is).
- Invitations: issued, used, expired (unused past their redeem-by), revoked, available.
- Free: pending and approved requests; the average wait of approved requests is
  ``decided_at - requested_at`` averaged in SQL (``julianday`` on SQLite, ``EXTRACT(EPOCH)``
  on PostgreSQL).
- Interests: total, pending, attended, and by category (``circle`` for the VIP circle).
- Stars: payments, Stars paid and refunded, Stars paid in 30 days
  (:func:`lucien.services.payments.stats_figures`; the breakdown is its own screen).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.invitations import Status, status_filter
from lucien.access.join_requests import APPROVED, PENDING
from lucien.access.subscriptions import ACTIVE
from lucien.db.models import Interest, Invitation, JoinRequest, Package, Subscription, utcnow
from lucien.services.payments import stats_figures
from lucien.voice.data import StatsData


def _named(names: str, *counts: Any) -> dict[str, Any]:
    """A query's counts by name, the names listed in the order the query selects them."""
    return dict(zip(names.split(), (int(c) for c in counts), strict=True))


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _vip(session: AsyncSession, now: datetime) -> dict[str, int]:
    active = and_(Subscription.status == ACTIVE, Subscription.ends_at > now)
    per_user = (
        select(
            Subscription.user_id.label("user_id"),
            func.max(case((active, Subscription.ends_at))).label("active_end"),
        )
        .group_by(Subscription.user_id)
        .subquery()
    )
    row = (
        await session.execute(
            select(
                _count_if(per_user.c.active_end.is_not(None)),
                _count_if(per_user.c.active_end.is_(None)),
                _count_if(per_user.c.active_end <= now + timedelta(days=7)),
            )
        )
    ).one()
    new = (
        await session.execute(
            select(
                *(
                    func.count(
                        distinct(
                            case(
                                (
                                    Subscription.started_at > now - timedelta(days=days),
                                    Subscription.user_id,
                                )
                            )
                        )
                    )
                    for days in (1, 7, 30)
                )
            )
        )
    ).one()
    return _named(
        "vip_active vip_expired vip_expiring_7d vip_new_1d vip_new_7d vip_new_30d", *row, *new
    )


async def _tokens(session: AsyncSession, now: datetime) -> dict[str, int]:
    shown = (Status.USED, Status.EXPIRED, Status.REVOKED, Status.UNUSED)
    row = (
        await session.execute(
            select(
                func.count(Invitation.id),
                *(_count_if(status_filter(status, now)) for status in shown),
            )
        )
    ).one()
    return _named("tokens_issued tokens_used tokens_expired tokens_revoked tokens_available", *row)


def _wait_seconds(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", JoinRequest.decided_at - JoinRequest.requested_at)
    return (func.julianday(JoinRequest.decided_at) - func.julianday(JoinRequest.requested_at)) * (
        literal(86400.0)
    )


async def _free(session: AsyncSession) -> dict[str, Any]:
    approved = and_(JoinRequest.status == APPROVED, JoinRequest.decided_at.is_not(None))
    row = (
        await session.execute(
            select(
                _count_if(JoinRequest.status == PENDING),
                _count_if(JoinRequest.status == APPROVED),
                func.avg(case((approved, _wait_seconds(session)))),
            )
        )
    ).one()
    average = None if row[2] is None else max(0.0, float(row[2]) / 60)
    return {**_named("free_pending free_approved", *row[:2]), "free_avg_wait_minutes": average}


async def _interests(session: AsyncSession) -> dict[str, Any]:
    row = (
        await session.execute(
            select(
                func.count(Interest.id),
                _count_if(Interest.attended_at.is_(None)),
                _count_if(Interest.attended_at.is_not(None)),
            )
        )
    ).one()
    kind = func.coalesce(Package.category, literal("circle"))
    grouped = await session.execute(
        select(kind, func.count(Interest.id))
        .select_from(Interest)
        .outerjoin(Package, Package.id == Interest.package_id)
        .group_by(kind)
    )
    order = {"FREE_CONTENT": 0, "VIP_CONTENT": 1, "VIP_PREMIUM": 2, "circle": 3}
    by_kind = dict(
        sorted(((str(k), int(n)) for k, n in grouped.all()), key=lambda kv: order.get(kv[0], 9))
    )
    counts = _named("interests_total interests_pending interests_attended", *row)
    return {**counts, "interests_by_category": by_kind}


async def collect(session: AsyncSession, now: datetime | None = None) -> StatsData:
    now = now or utcnow()
    values: dict[str, Any] = {}
    values.update(await _vip(session, now))
    values.update(await _tokens(session, now))
    values.update(await _free(session))
    values.update(await _interests(session))
    values.update(await stats_figures(session, now))
    return StatsData(**values)
