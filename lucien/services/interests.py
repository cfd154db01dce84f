""" "Me interesa": recording interests (at most once per user and target per 5 minutes)
and the admin follow-up (lists, counts, detail, mark attended).

De-duplication is one conditional upsert on ``interest_marks``::

    INSERT INTO interest_marks (user_id, target, last_at) VALUES (...)
    ON CONFLICT (user_id, target) DO UPDATE SET last_at = excluded.last_at
        WHERE interest_marks.last_at < :cutoff
    RETURNING user_id

A row comes back only when the mark was inserted or was older than the window; concurrent
taps serialise on the row (PostgreSQL) or on the write lock (SQLite, ``BEGIN IMMEDIATE``),
so exactly one of them is accepted. The ``Interest`` row is inserted in the same
transaction. Nothing here talks to Telegram.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lucien.access import audit
from lucien.db.models import Interest, InterestMark, Package, User, utcnow
from lucien.db.upsert import insert_for
from lucien.journal import effect
from lucien.services import packages as packages_service
from lucien.services.cards import user_card
from lucien.voice.data import CATEGORIES, InterestCard, Role

WINDOW = timedelta(minutes=5)
CIRCLE = "vip"  # the target of an interest in the VIP subscription itself
STATE_FILTERS = ("pending", "attended")
KIND_FILTERS = (*CATEGORIES, "circle")
FILTERS = (*STATE_FILTERS, *KIND_FILTERS)


def target_for(package_id: int | None) -> str:
    return CIRCLE if package_id is None else f"pkg:{int(package_id)}"


# -- recording ----------------------------------------------------------------------------


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    TOO_SOON = "too_soon"
    UNAVAILABLE = "unavailable"  # the package is gone, inactive or not for this audience


@dataclass(frozen=True)
class Expressed:
    outcome: Outcome
    interest_id: int | None = None
    created_at: datetime | None = None
    package: Package | None = None


async def claim_mark(
    session: AsyncSession, user_id: int, target: str, now: datetime | None = None
) -> bool:
    """The atomic window check: True iff this call may record an interest now."""
    now = now or utcnow()
    stmt = insert_for(session, InterestMark).values(user_id=user_id, target=target, last_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "target"],
        set_={"last_at": stmt.excluded.last_at},
        where=InterestMark.last_at < now - WINDOW,
    ).returning(InterestMark.user_id)
    return (await session.execute(stmt)).first() is not None


@dataclass(frozen=True)
class Recorded:
    """What ``record_interest`` did (journaled: a redelivery gets the same answer)."""

    outcome: Outcome
    interest_id: int | None = None
    created_at: datetime | None = None


@effect("interest.record")
async def record_interest(
    session: AsyncSession, user_id: int, package_id: int | None, now: datetime | None = None
) -> Recorded:
    now = now or utcnow()
    if not await claim_mark(session, user_id, target_for(package_id), now):
        return Recorded(Outcome.TOO_SOON)
    interest = Interest(user_id=user_id, package_id=package_id, created_at=now)
    session.add(interest)
    await session.flush()
    return Recorded(Outcome.ACCEPTED, interest.id, now)


async def express_interest(
    session: AsyncSession,
    user_id: int,
    *,
    package_id: int | None,
    categories: Sequence[str] = (),
    now: datetime | None = None,
) -> Expressed:
    """Record "Me interesa" for a package the member may see (or the circle: ``None``)."""
    package: Package | None = None
    if package_id is not None:
        package = await packages_service.get_visible(session, package_id, categories)
        if package is None:
            return Expressed(Outcome.UNAVAILABLE)
    done = await record_interest(session, user_id, package_id, now)
    return Expressed(done.outcome, done.interest_id, done.created_at, package)


# -- the admin side -----------------------------------------------------------------------


@dataclass(frozen=True)
class InterestRow:
    interest: Interest
    user: User
    package: Package | None
    attended_by_name: str | None


def _filter(name: str) -> Any:
    if name == "attended":
        return Interest.attended_at.is_not(None)
    if name == "circle":
        return Interest.package_id.is_(None)
    if name in CATEGORIES:
        return Package.category == name
    return Interest.attended_at.is_(None)  # "pending" and anything unknown


def normalize_filter(name: str | None) -> str:
    return name if name in FILTERS else "pending"


def _base() -> Any:
    attendant = aliased(User)
    stmt = (
        select(Interest, User, Package, attendant.first_name)
        .join(User, User.id == Interest.user_id)
        .outerjoin(Package, Package.id == Interest.package_id)
        .outerjoin(attendant, attendant.id == Interest.attended_by)
    )
    return stmt


@dataclass(frozen=True)
class InterestPage:
    items: list[InterestRow]
    total: int
    page: int
    per_page: int


async def list_interests(
    session: AsyncSession, filter: str = "pending", *, page: int = 0, per_page: int = 8
) -> InterestPage:
    """One page of interests (with their user and package in the same query), newest first."""
    condition = _filter(normalize_filter(filter))
    total = int(
        await session.scalar(
            select(func.count())
            .select_from(Interest)
            .outerjoin(Package, Package.id == Interest.package_id)
            .where(condition)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(0, page), pages - 1)
    rows = await session.execute(
        _base()
        .where(condition)
        .order_by(Interest.created_at.desc(), Interest.id.desc())
        .limit(per_page)
        .offset(page * per_page)
    )
    items = [InterestRow(i, u, p, name) for i, u, p, name in rows.all()]
    return InterestPage(items, total, page, per_page)


async def counts(session: AsyncSession) -> dict[str, int]:
    """Per filter, in one query: pending, attended, each category and the circle."""

    def when(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    columns = [when(_filter(name)).label(name) for name in FILTERS]
    row = (
        await session.execute(
            select(*columns)
            .select_from(Interest)
            .outerjoin(Package, Package.id == Interest.package_id)
        )
    ).one()
    return {name: int(row._mapping[name] or 0) for name in FILTERS}


async def count_pending(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Interest).where(Interest.attended_at.is_(None))
        )
        or 0
    )


async def get_interest(session: AsyncSession, interest_id: int) -> InterestRow | None:
    found = (
        await session.execute(
            _base().where(Interest.id == interest_id).execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        return None
    i, u, p, name = found
    return InterestRow(i, u, p, name)


@dataclass(frozen=True)
class Attended:
    done: bool  # this call marked it
    found: bool
    attended_at: datetime | None = None
    attended_by_name: str | None = None


async def mark_attended(
    session: AsyncSession, interest_id: int, admin_id: int, now: datetime | None = None
) -> Attended:
    """Conditional: only a pending interest is marked (the first custodian wins)."""
    now = now or utcnow()
    changed = (
        await session.execute(
            update(Interest)
            .where(and_(Interest.id == interest_id, Interest.attended_at.is_(None)))
            .values(attended_at=now, attended_by=admin_id)
            .returning(Interest.id)
        )
    ).first()
    if changed is not None:
        await audit.record(
            session,
            "interest.attend",
            actor_id=admin_id,
            target_type="interest",
            target_id=interest_id,
            before={"attended_at": None},
            after={"attended_at": now, "attended_by": admin_id},
            at=now,
        )
        return Attended(True, True, now)
    row = await get_interest(session, interest_id)
    if row is None:
        return Attended(False, False)
    return Attended(False, True, row.interest.attended_at, row.attended_by_name)


# -- cards for the voice ------------------------------------------------------------------


def card(row: InterestRow, role: Role = Role.FREE) -> InterestCard:
    return InterestCard(
        id=row.interest.id,
        user=user_card(row.user, role),
        package=packages_service.card(row.package) if row.package is not None else None,
        created_at=row.interest.created_at,
        attended_at=row.interest.attended_at,
        attended_by=row.attended_by_name,
    )
