"""Subscription plans: what an invitation grants (a number of days, sold at a price).

A plan may also carry a price in Telegram Stars (``price_stars``): then members can buy it
inside the bot. None means it is sold only outside Telegram (by invitation).

The panel and the command line use these same functions. Validation errors carry a
``code`` and the ``limit`` so the caller can ask the voice layer for the right sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.errors import CodedError
from lucien.db.models import Invitation, Plan, Subscription, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore

NAME_MAX = 64
DAYS_MIN = 1
DAYS_MAX = 3650
PRICE_MAX = Decimal("9999999999.99")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
#: Stars are whole numbers; 10000 is the most Telegram lets a chat subscription cost, and a
#: plan priced above it would be a typing slip rather than a price.
STARS_MIN = 1
STARS_MAX = 10000


class _Unset:
    """``edit_plan(stars=…)`` not given (None is a value there: stop selling in the bot)."""


UNSET = _Unset()


class PlanError(CodedError):
    """``code``: name_empty, name_too_long, days_range, price_invalid, price_range,
    currency_invalid, stars_range, duplicate, not_found, in_use."""


@dataclass(frozen=True)
class PlanValues:
    name: str
    days: int
    price: Decimal
    currency: str
    stars: int | None = None


def clean_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise PlanError("name_empty")
    if len(cleaned) > NAME_MAX:
        raise PlanError("name_too_long", NAME_MAX)
    return cleaned


def _whole_number(value: object, code: str, low: int, high: int) -> int:
    """``value`` as a whole number in ``low..high``; otherwise ``code`` with that range."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PlanError(code, (low, high)) from None
    if not low <= number <= high:
        raise PlanError(code, (low, high))
    return number


def clean_days(days: object) -> int:
    return _whole_number(days, "days_range", DAYS_MIN, DAYS_MAX)


def clean_price(price: object) -> Decimal:
    try:
        value = Decimal(str(price).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise PlanError("price_invalid") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise PlanError("price_invalid")
    if value < 0 or value > PRICE_MAX:
        raise PlanError("price_range", PRICE_MAX)
    return value.quantize(Decimal("0.01"))


def clean_currency(currency: str) -> str:
    value = str(currency).strip().upper()
    if not CURRENCY_RE.match(value):
        raise PlanError("currency_invalid")
    return value


def clean_stars(stars: object) -> int:
    """A price in Stars: a whole number in ``STARS_MIN..STARS_MAX``."""
    return _whole_number(stars, "stars_range", STARS_MIN, STARS_MAX)


def validate(
    name: str, days: object, price: object, currency: str = "USD", stars: object = None
) -> PlanValues:
    return PlanValues(
        clean_name(name),
        clean_days(days),
        clean_price(price),
        clean_currency(currency),
        None if stars is None else clean_stars(stars),
    )


async def create_plan(
    session: AsyncSession,
    name: str,
    days: object,
    price: object,
    currency: str = "USD",
    *,
    stars: object = None,
    actor_id: int | None = None,
) -> Plan:
    """A new active plan; ``stars`` (a price in Telegram Stars) sells it in the bot too."""
    values = validate(name, days, price, currency, stars)
    result = await session.execute(
        insert_ignore(
            session,
            Plan,
            {
                "name": values.name,
                "days": values.days,
                "price": values.price,
                "currency": values.currency,
                "price_stars": values.stars,
                "active": True,
                "created_at": utcnow(),
            },
            ["name"],
        ).returning(Plan.id)
    )
    plan_id = result.scalar_one_or_none()
    if plan_id is None:
        raise PlanError("duplicate")
    await audit.record(
        session,
        "plan.created",
        actor_id=actor_id,
        target_type="plan",
        target_id=plan_id,
        after={
            "name": values.name,
            "days": values.days,
            "price": values.price,
            "currency": values.currency,
            "price_stars": values.stars,
        },
    )
    plan = await session.get(Plan, plan_id)
    assert plan is not None
    return plan


async def list_plans(session: AsyncSession, *, active_only: bool = False) -> list[Plan]:
    stmt = select(Plan).order_by(Plan.active.desc(), Plan.days, Plan.name)
    if active_only:
        stmt = stmt.where(Plan.active.is_(True))
    return list((await session.execute(stmt)).scalars())


async def get_plan(session: AsyncSession, plan_id: int) -> Plan | None:
    return await session.get(Plan, plan_id, populate_existing=True)


async def get_plan_by_name(session: AsyncSession, name: str) -> Plan | None:
    cleaned = " ".join(str(name).split())
    found = await session.execute(select(Plan).where(Plan.name == cleaned))
    plan = found.scalar_one_or_none()
    if plan is None:  # be forgiving about case on the command line
        found = await session.execute(
            select(Plan).where(func.lower(Plan.name) == cleaned.lower()).limit(2)
        )
        matches = list(found.scalars())
        plan = matches[0] if len(matches) == 1 else None
    return plan


async def plan_in_use(session: AsyncSession, plan_id: int) -> bool:
    used = await session.scalar(
        select(
            exists().where(Invitation.plan_id == plan_id)
            | exists().where(Subscription.plan_id == plan_id)
        )
    )
    return bool(used)


def _snapshot(plan: Plan) -> dict[str, object]:
    return audit.snapshot(plan, "name", "days", "price", "currency", "price_stars", "active")


async def edit_plan(
    session: AsyncSession,
    plan_id: int,
    *,
    actor_id: int | None = None,
    name: str | None = None,
    days: object = None,
    price: object = None,
    currency: str | None = None,
    stars: int | str | _Unset | None = UNSET,
) -> Plan:
    """Change some fields; existing subscriptions keep their end dates (days apply from now on).

    ``stars=None`` stops selling the plan in the bot; an invoice already sent at the old
    price is then refused at checkout (the price is checked there).
    """
    plan = await get_plan(session, plan_id)
    if plan is None:
        raise PlanError("not_found")
    before = _snapshot(plan)
    values: dict[str, object] = {}
    if name is not None:
        values["name"] = clean_name(name)
    if days is not None:
        values["days"] = clean_days(days)
    if price is not None:
        values["price"] = clean_price(price)
    if currency is not None:
        values["currency"] = clean_currency(currency)
    if not isinstance(stars, _Unset):
        values["price_stars"] = None if stars is None else clean_stars(stars)
    if not values:
        return plan
    if "name" in values and values["name"] != plan.name:
        taken = await session.scalar(
            select(exists().where(Plan.name == values["name"], Plan.id != plan_id))
        )
        if taken:
            raise PlanError("duplicate")
    await session.execute(update(Plan).where(Plan.id == plan_id).values(**values))
    plan = await get_plan(session, plan_id)
    assert plan is not None
    await audit.record(
        session,
        "plan.edited",
        actor_id=actor_id,
        target_type="plan",
        target_id=plan_id,
        before=before,
        after=_snapshot(plan),
    )
    return plan


async def set_active(
    session: AsyncSession, plan_id: int, active: bool, *, actor_id: int | None = None
) -> bool:
    """Activate or deactivate; True when the state changed (a repeat changes nothing)."""
    result = await session.execute(
        update(Plan).where(Plan.id == plan_id, Plan.active.is_(not active)).values(active=active)
    )
    changed = rowcount(result) == 1
    if changed:
        action = "plan.activated" if active else "plan.deactivated"
        values = (not active, active)
        await audit.change(session, action, ("plan", plan_id), "active", values, actor_id=actor_id)
    return changed


async def delete_plan(session: AsyncSession, plan_id: int, *, actor_id: int | None = None) -> None:
    """Delete a plan nothing points at; raises ``in_use`` or ``not_found`` otherwise."""
    plan = await get_plan(session, plan_id)
    if plan is None:
        raise PlanError("not_found")
    before = _snapshot(plan)
    result = await session.execute(
        delete(Plan).where(
            Plan.id == plan_id,
            ~exists().where(Invitation.plan_id == plan_id),
            ~exists().where(Subscription.plan_id == plan_id),
        )
    )
    if rowcount(result) != 1:
        raise PlanError("in_use")
    await audit.record(
        session,
        "plan.deleted",
        actor_id=actor_id,
        target_type="plan",
        target_id=plan_id,
        before=before,
    )
