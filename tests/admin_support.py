"""What the admin panel tests share beyond the Harness: callback data, rows, snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from lucien.callbacks import AdminAction, AdminSection
from lucien.db.models import (
    AuditEntry,
    BotConfig,
    Invitation,
    InviteLink,
    JoinRequest,
    Plan,
    Subscription,
    User,
    utcnow,
)
from lucien.runtime import Runtime
from lucien.voice.providers.base import Provider
from tests.access_support import buttons, rows
from tests.factories import VIP

SNAPSHOT_MODELS = (Plan, Invitation, Subscription, InviteLink, JoinRequest, BotConfig, AuditEntry)


def cb(section: AdminSection, action: AdminAction | str = AdminAction.OPEN, **where: Any) -> str:
    """The packed data of an admin button (to press one the screen does not show), made
    as the voice makes it (``id``, ``page``, ``arg``)."""
    return Provider.cb(section, action, **where).pack()


async def add_personal_link(runtime: Runtime, user_id: int, subscription_id: int) -> str:
    """The one-use Diván link the ritual hands a member: made by the bot (so the double
    knows it) and recorded for the subscription, open for 20 more hours."""
    link = await runtime.bot.create_chat_invite_link(VIP, member_limit=1)
    row = InviteLink(user_id=user_id, subscription_id=subscription_id, chat_id=VIP)
    row.link, row.expires_at = link.invite_link, utcnow() + timedelta(hours=20)
    async with runtime.sessions.begin() as session:
        session.add(row)
    return link.invite_link


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


async def audit_of(runtime: Runtime, action: str | None = None) -> list[AuditEntry]:
    """The audit entries (of one ``action``, or all), oldest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return await rows(runtime, stmt)


async def user_row(runtime: Runtime, user_id: int) -> User | None:
    found = await rows(runtime, select(User).where(User.id == user_id))
    return found[0] if found else None


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an admin action could change (users are left out: each update refreshes
    ``last_seen_at``)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.sessions() as session:
        for model in SNAPSHOT_MODELS:
            columns = list(model.__table__.columns)
            found = await session.execute(select(*columns).order_by(*model.__table__.primary_key))
            out[model.__tablename__] = [tuple(r) for r in found.all()]
    return out


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Record every SQL statement executed on the runtime's engine."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
