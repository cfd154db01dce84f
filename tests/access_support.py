"""Reading what a test left behind: rows, counts, buttons and Telegram calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from lucien.db.models import Subscription, utcnow
from lucien.runtime import Runtime
from lucien.telegram.double import TelegramDouble

HOSTILE = '<b>Ana & "Bob"</b>'


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


async def all_rows(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    return await rows(runtime, select(model).where(*where))
