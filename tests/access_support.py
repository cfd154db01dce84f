"""Shared set-up for the access lifecycle tests: channels, plans, invitations, buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from lucien.access.config import update_config
from lucien.access.invitations import Issued, issue
from lucien.access.plans import create_plan
from lucien.db.models import Plan, Subscription, utcnow
from lucien.runtime import Runtime
from lucien.telegram.double import TelegramDouble

VIP = -1001000000001
FREE = -1001000000002
HOSTILE = '<b>Ana & "Bob"</b>'


async def configure(runtime: Runtime, double: TelegramDouble, **extra: Any) -> None:
    """Both channels exist, the bot administers them, the configuration names them."""
    double.add_chat(VIP, "channel", title="El Diván")
    double.set_bot_admin(VIP)
    double.add_chat(FREE, "channel", title="El Vestíbulo")
    double.set_bot_admin(FREE)
    async with runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=VIP, free_channel_id=FREE, **extra)


async def make_plan(runtime: Runtime, name: str = "Mensual", days: int = 30) -> Plan:
    async with runtime.sessions.begin() as session:
        return await create_plan(session, name, days, "19.99", "USD")


async def make_invitation(runtime: Runtime, plan_id: int, **kwargs: Any) -> Issued:
    async with runtime.sessions.begin() as session:
        return (await issue(session, plan_id, **kwargs))[0]


async def scalar(runtime: Runtime, stmt: Any) -> Any:
    async with runtime.sessions() as session:
        return await session.scalar(stmt)


async def rows(runtime: Runtime, stmt: Any) -> list[Any]:
    async with runtime.sessions() as session:
        return list((await session.execute(stmt)).scalars())


async def count(runtime: Runtime, model: Any, *where: Any) -> int:
    return int(await scalar(runtime, select(func.count()).select_from(model).where(*where)))


async def subscription_of(runtime: Runtime, user_id: int) -> Subscription:
    found = await rows(
        runtime,
        select(Subscription)
        .where(Subscription.user_id == user_id)
        .order_by(Subscription.id.desc()),
    )
    assert found, f"user {user_id} has no subscription"
    return found[0]


async def set_subscription(runtime: Runtime, sub_id: int, **values: Any) -> None:
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(Subscription).where(Subscription.id == sub_id).values(**values)
        )


async def end_in(runtime: Runtime, sub_id: int, delta: timedelta) -> datetime:
    ends_at = utcnow() + delta
    await set_subscription(runtime, sub_id, ends_at=ends_at)
    return ends_at


def buttons(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not message:
        return []
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button(message: dict[str, Any] | None, label: str) -> dict[str, Any]:
    for item in buttons(message):
        if label in item["text"]:
            return item
    raise AssertionError(f"no button {label!r} in {[b['text'] for b in buttons(message)]}")


def calls(double: TelegramDouble, method: str, **params: Any) -> list[Any]:
    """Successful calls of ``method`` whose params include ``params``."""
    return [
        c
        for c in double.calls_to(method)
        if c.ok and all(c.params.get(k) == v for k, v in params.items())
    ]


def shows_hostile_name(message: dict[str, Any] | None) -> bool:
    """The double parses HTML like Telegram: only an escaped name survives as literal text
    (unescaped, ``<b>`` would become bold and ``&`` would make the message invalid)."""
    return bool(message) and HOSTILE in (message.get("text") or "")  # type: ignore[union-attr]
