"""Content packages: Diana's catalogue (create, list, edit, (de)activate).

Validation lives here (the admin wizard and any future CLI share it); every change is
audited in the same transaction that makes it. Lists are paginated in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.db.models import Package, RateLimit, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore
from lucien.voice.data import CATEGORIES, Category, PackageCard

NAME_MAX = 100
DESCRIPTION_MAX = 1000
PRICE_MAX = Decimal("1000000")
CURRENCY = "USD"

FREE_CATEGORIES: tuple[Category, ...] = ("FREE_CONTENT",)
VIP_CATEGORIES: tuple[Category, ...] = ("VIP_CONTENT", "VIP_PREMIUM")

Field = Literal["name", "description", "price", "category"]
FIELDS: tuple[Field, ...] = ("name", "description", "price", "category")

#: Words an admin may type for a free package (besides 0).
FREE_WORDS = frozenset({"gratuito", "gratuita", "gratis", "free", "libre"})
_PRICE = re.compile(r"^\d{1,7}(?:[.,]\d{1,2})?$")


class InvalidValue(ValueError):
    """A refused value: ``problem`` is ``empty``, ``too_long`` or ``price``."""

    def __init__(self, field: str, problem: str, *, limit: int = 0, length: int = 0) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.limit = limit
        self.length = length


# -- validation ---------------------------------------------------------------------------


def _clean_text(field: str, text: str | None, limit: int) -> str:
    """A required text of at most ``limit`` characters, trimmed."""
    value = (text or "").strip()
    if not value:
        raise InvalidValue(field, "empty", limit=limit)
    if len(value) > limit:
        raise InvalidValue(field, "too_long", limit=limit, length=len(value))
    return value


def clean_name(text: str | None) -> str:
    return _clean_text("name", text, NAME_MAX)


def clean_description(text: str | None) -> str:
    return _clean_text("description", text, DESCRIPTION_MAX)


def parse_price(text: str | None) -> Decimal | None:
    """A price ≥ 0 with up to two decimals, or ``None`` for free ("gratuito" or 0)."""
    raw = (text or "").strip().lower().replace(" ", "")
    for symbol in ("$", "usd", "mxn", "eur", "€"):
        raw = raw.replace(symbol, "")
    if raw in FREE_WORDS:
        return None
    if not _PRICE.match(raw):
        raise InvalidValue("price", "price", limit=int(PRICE_MAX))
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise InvalidValue("price", "price", limit=int(PRICE_MAX)) from None
    if value < 0 or value > PRICE_MAX:
        raise InvalidValue("price", "price", limit=int(PRICE_MAX))
    return None if value == 0 else value


def clean_category(value: str | None) -> Category:
    wanted = (value or "").strip().upper()
    for category in CATEGORIES:
        if category == wanted:
            return category
    raise InvalidValue("category", "category")


def price_text(price: Decimal | None) -> str | None:
    """How a price travels in FSM data (JSON): a string, or ``None`` for free."""
    return None if price is None else str(price)


def price_from_text(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


# -- reading ------------------------------------------------------------------------------


def card(package: Package) -> PackageCard:
    return PackageCard(
        id=package.id,
        name=package.name,
        description=package.description or "",
        price=package.price,
        currency=package.currency or CURRENCY,
        category=package.category if package.category in CATEGORIES else "FREE_CONTENT",  # type: ignore[arg-type]
        active=package.active,
    )


async def get_package(session: AsyncSession, package_id: int) -> Package | None:
    found = await session.execute(
        select(Package).where(Package.id == package_id).execution_options(populate_existing=True)
    )
    return found.scalar_one_or_none()


async def get_visible(
    session: AsyncSession, package_id: int, categories: Sequence[str]
) -> Package | None:
    """An active package of one of ``categories`` (what a member may open), else ``None``."""
    found = await session.execute(
        select(Package).where(
            Package.id == package_id,
            Package.active.is_(True),
            Package.category.in_(list(categories)),
        )
    )
    return found.scalar_one_or_none()


@dataclass(frozen=True)
class PackagePage:
    items: list[Package]
    total: int
    page: int
    per_page: int


async def list_packages(
    session: AsyncSession,
    *,
    categories: Sequence[str] | None = None,
    active: bool | None = None,
    page: int = 0,
    per_page: int = 8,
) -> PackagePage:
    """One page (LIMIT/OFFSET) and the total, newest first; ``page`` is clamped."""
    where: list[Any] = []
    if categories is not None:
        where.append(Package.category.in_(list(categories)))
    if active is not None:
        where.append(Package.active.is_(active))
    total = int(await session.scalar(select(func.count()).select_from(Package).where(*where)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(0, page), pages - 1)
    rows = await session.execute(
        select(Package)
        .where(*where)
        .order_by(Package.created_at.desc(), Package.id.desc())
        .limit(per_page)
        .offset(page * per_page)
    )
    return PackagePage(list(rows.scalars()), total, page, per_page)


# -- writing ------------------------------------------------------------------------------


def _snapshot(package: Package) -> dict[str, Any]:
    return audit.snapshot(package, "name", "description", "price", "category", "active")


async def claim_once(session: AsyncSession, key: str, now: datetime | None = None) -> bool:
    """True the first time ``key`` is claimed (e.g. one wizard draft saved once).

    Rides on the ``rate_limits`` table's primary key: an ``INSERT … ON CONFLICT DO
    NOTHING`` is atomic on SQLite and PostgreSQL, and the clean-up job expires old keys.
    """
    result = await session.execute(
        insert_ignore(
            session,
            RateLimit,
            {"key": f"once:{key}"[:128], "window_started_at": now or utcnow(), "count": 1},
            ["key"],
        )
    )
    return bool(rowcount(result) == 1)


async def create_package(
    session: AsyncSession,
    *,
    name: str,
    description: str,
    price: Decimal | None,
    category: str,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Package:
    now = now or utcnow()
    package = Package(
        name=clean_name(name),
        description=clean_description(description),
        price=price,
        currency=CURRENCY,
        category=clean_category(category),
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(package)
    await session.flush()
    await audit.record(
        session,
        "package.create",
        actor_id=actor_id,
        target_type="package",
        target_id=package.id,
        after=_snapshot(package),
        at=now,
    )
    return package


def clean_field(field: str, value: Any) -> Any:
    if field == "name":
        return clean_name(value)
    if field == "description":
        return clean_description(value)
    if field == "price":
        if value is None or isinstance(value, Decimal):
            if value is not None and (value < 0 or value > PRICE_MAX):
                raise InvalidValue("price", "price", limit=int(PRICE_MAX))
            return None if value == 0 else value
        return parse_price(str(value))
    if field == "category":
        return clean_category(value)
    raise InvalidValue(field, "field")


async def edit_package(
    session: AsyncSession,
    package_id: int,
    field: str,
    value: Any,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Package | None:
    """Set one field (validated); ``None`` when the package does not exist."""
    clean = clean_field(field, value)
    now = now or utcnow()
    before = (
        await session.execute(
            select(getattr(Package, field)).where(Package.id == package_id).with_for_update()
        )
    ).one_or_none()
    if before is None:
        return None
    await session.execute(
        update(Package).where(Package.id == package_id).values({field: clean, "updated_at": now})
    )
    target = ("package", package_id)
    values = (before[0], clean)
    await audit.change(session, "package.edit", target, field, values, actor_id=actor_id, at=now)
    return await get_package(session, package_id)


async def set_active(
    session: AsyncSession,
    package_id: int,
    active: bool,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Conditional: True only if this call changed the state (a double tap changes once)."""
    now = now or utcnow()
    changed = (
        await session.execute(
            update(Package)
            .where(Package.id == package_id, Package.active.is_(not active))
            .values(active=active, updated_at=now)
            .returning(Package.id)
        )
    ).first()
    if changed is None:
        return False
    action = "package.reactivate" if active else "package.deactivate"
    target, values = ("package", package_id), (not active, active)
    await audit.change(session, action, target, "active", values, actor_id=actor_id, at=now)
    return True
