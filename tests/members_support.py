"""Set-up shared by the member-menu, catalogue and interest tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lucien.access.plans import create_plan
from lucien.access.users import TelegramIdentity, touch_user
from lucien.db.models import Package, Subscription, utcnow
from lucien.runtime import Runtime
from lucien.services.packages import create_package
from lucien.telegram.double import TgUser
from tests.access_support import button, buttons, rows
from tests.conftest import Harness

BRUNO = TgUser(id=5002, first_name="Bruno", username="bruno")


async def make_package(
    runtime: Runtime,
    name: str,
    category: str = "FREE_CONTENT",
    *,
    price: str | None = None,
    description: str = "Algo que Diana preparó.",
    active: bool = True,
) -> Package:
    async with runtime.sessions.begin() as session:
        package = await create_package(
            session,
            name=name,
            description=description,
            price=Decimal(price) if price else None,
            category=category,
        )
        package.active = active
    return package


async def make_vip(
    runtime: Runtime, who: TgUser, days: int = 30, *, plan_name: str = "Mensual"
) -> Subscription:
    """An active member whose ritual is complete."""
    now = utcnow()
    async with runtime.sessions.begin() as session:
        await touch_user(session, TelegramIdentity(id=who.id, first_name=who.first_name))
        found = (await session.execute(select_plan(plan_name))).scalar_one_or_none()
        plan = found or await create_plan(session, plan_name, 30, "19.99", "USD")
        sub = Subscription(
            user_id=who.id,
            plan_id=plan.id,
            started_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=days),
            status="active",
            ritual_stage=4,
        )
        session.add(sub)
    return sub


def select_plan(name: str) -> Any:
    from lucien.db.models import Plan

    return select(Plan).where(Plan.name == name)


async def press(app: Harness, who: TgUser, label: str) -> str:
    """Press ``label`` on the bot's latest message to ``who``; returns its callback data."""
    data = str(button(app.double.last_message(who.id), label)["callback_data"])
    await app.send(app.updates.callback(who, data))
    return data


def labels(message: dict[str, Any] | None) -> list[str]:
    return [b["text"] for b in buttons(message)]


def last_text(app: Harness, who: TgUser) -> str:
    message = app.double.last_message(who.id)
    return str((message or {}).get("text") or "")


def last_answer(app: Harness) -> dict[str, Any]:
    assert app.double.callback_answers, "no callback was answered"
    return app.double.callback_answers[-1]


async def all_rows(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    return await rows(runtime, select(model).where(*where))
