"""Helpers for the admin panel tests of people, calibration, observations and broadcast."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from lucien.access.users import TelegramIdentity, touch_user
from lucien.callbacks import AdminAction, AdminCB, AdminSection
from lucien.db.models import AdminGrant, AuditEntry, Subscription, User, utcnow
from lucien.runtime import Runtime
from lucien.telegram.double import TgUser
from tests.access_support import buttons, rows
from tests.conftest import Harness


def cb(
    section: AdminSection,
    action: AdminAction | str = AdminAction.OPEN,
    *,
    id: int = 0,
    page: int = 0,
    arg: str = "",
) -> str:
    return AdminCB(section=section, action=action, id=id, page=page, arg=arg).pack()


def screen(app: Harness, who: TgUser | int) -> dict[str, Any]:
    """The bot's latest message in this private chat, as it is now (edits applied).

    Unlike ``last_message`` it also sees a message a callback was attached to without the
    bot having sent it in this test (the double makes one up for a first button press).
    """
    chat_id = who if isinstance(who, int) else who.id
    message_id = app.double.last_bot_message_id(chat_id)
    assert message_id is not None, f"no bot message in chat {chat_id}"
    stored = app.double.find_message(chat_id, message_id)
    assert stored is not None
    return stored.message


def text_of(app: Harness, who: TgUser | int) -> str:
    message = screen(app, who)
    return str(message.get("text") or message.get("caption") or "")


async def press(app: Harness, who: TgUser, data: str) -> dict[str, Any]:
    """Send a button press; returns the callback answer it got."""
    before = len(app.double.callback_answers)
    await app.send(app.updates.callback(who, data))
    answers = app.double.callback_answers[before:]
    assert len(answers) == 1, f"expected one answer to {data!r}, got {answers}"
    return answers[0]


async def say(app: Harness, who: TgUser, text: str, **kwargs: Any) -> None:
    await app.send(app.updates.message(who, text, **kwargs))


def button_data(message: dict[str, Any], label: str) -> str:
    for item in buttons(message):
        if label in item["text"]:
            return str(item["callback_data"])
    raise AssertionError(f"no button {label!r} in {[b['text'] for b in buttons(message)]}")


def has_button(message: dict[str, Any], label: str) -> bool:
    return any(label in item["text"] for item in buttons(message))


def viewed_ids(message: dict[str, Any]) -> list[int]:
    """User ids of the profile buttons (``a:u:view:<id>:…``) on a list screen."""
    found = []
    for item in buttons(message):
        data = str(item.get("callback_data") or "")
        if data.startswith("a:u:view:"):
            found.append(int(data.split(":")[3]))
    return found


async def add_user(
    runtime: Runtime,
    user_id: int,
    first_name: str,
    username: str | None = None,
    *,
    seen_at: datetime | None = None,
    **columns: Any,
) -> None:
    async with runtime.sessions.begin() as session:
        await touch_user(
            session, TelegramIdentity(id=user_id, first_name=first_name, username=username)
        )
        values = dict(columns)
        if seen_at is not None:
            values.update(first_seen_at=seen_at, last_seen_at=seen_at)
        if values:
            await session.execute(update(User).where(User.id == user_id).values(**values))


async def add_subscription(
    runtime: Runtime,
    user_id: int,
    *,
    ends_in: timedelta,
    started_ago: timedelta = timedelta(days=10),
    status: str = "active",
    plan_id: int | None = None,
) -> int:
    now = utcnow()
    async with runtime.sessions.begin() as session:
        return int(
            (
                await session.execute(
                    insert(Subscription)
                    .values(
                        user_id=user_id,
                        plan_id=plan_id,
                        started_at=now - started_ago,
                        ends_at=now + ends_in,
                        status=status,
                        ritual_stage=4,
                        created_at=now - started_ago,
                    )
                    .returning(Subscription.id)
                )
            ).scalar_one()
        )


async def add_grant(runtime: Runtime, user_id: int, by: int, *, revoked: bool = False) -> None:
    now = utcnow()
    async with runtime.sessions.begin() as session:
        await session.execute(
            insert(AdminGrant).values(
                user_id=user_id,
                granted_by=by,
                granted_at=now,
                revoked_at=now if revoked else None,
                revoked_by=by if revoked else None,
            )
        )


async def audit_entries(runtime: Runtime, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return await rows(runtime, stmt)


async def user_row(runtime: Runtime, user_id: int) -> User | None:
    found = await rows(runtime, select(User).where(User.id == user_id))
    return found[0] if found else None
