"""Shared set-up for the admin home, VIP and Free tests: buttons, callbacks, rows, snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert, select

from lucien.access.users import TelegramIdentity, touch_user
from lucien.callbacks import AdminAction, AdminCB, AdminSection
from lucien.db.models import (
    AuditEntry,
    BotConfig,
    Invitation,
    InviteLink,
    JobRun,
    JoinRequest,
    Plan,
    Subscription,
    utcnow,
)
from lucien.runtime import Runtime
from lucien.telegram.double import TgUser
from tests.access_support import button, buttons
from tests.conftest import Harness

SNAPSHOT_MODELS = (Plan, Invitation, Subscription, InviteLink, JoinRequest, BotConfig, AuditEntry)


def cb(
    section: AdminSection,
    action: AdminAction | str = AdminAction.OPEN,
    *,
    id: int = 0,
    page: int = 0,
    arg: str = "",
) -> str:
    return AdminCB(section=section, action=action, id=id, page=page, arg=arg).pack()


def last(app: Harness, who: TgUser) -> dict[str, Any]:
    message = app.double.last_message(who.id)
    assert message is not None, f"nothing sent to {who.id}"
    return message


def text_of(app: Harness, who: TgUser) -> str:
    return str(last(app, who).get("text") or "")


def labels(message: dict[str, Any] | None) -> list[str]:
    return [b["text"] for b in buttons(message)]


def last_answer(app: Harness) -> str:
    assert app.double.callback_answers, "no callback answered"
    return str(app.double.callback_answers[-1].get("text") or "")


async def press(app: Harness, who: TgUser, data: str) -> None:
    """Press a button with this data on the bot's latest message to ``who``."""
    await app.send(app.updates.callback(who, data))


async def press_label(app: Harness, who: TgUser, label: str) -> str:
    data = str(button(app.double.last_message(who.id), label)["callback_data"])
    await press(app, who, data)
    return data


async def say(app: Harness, who: TgUser, text: str) -> None:
    await app.send(app.updates.message(who, text))


async def add_user(
    runtime: Runtime, user_id: int, first_name: str = "Bruno", username: str | None = None
) -> None:
    async with runtime.sessions.begin() as session:
        await touch_user(
            session, TelegramIdentity(id=user_id, first_name=first_name, username=username)
        )


async def add_subscription(
    runtime: Runtime,
    user_id: int,
    ends_in: timedelta,
    *,
    plan_id: int | None = None,
    status: str = "active",
    first_name: str = "Bruno",
    **values: Any,
) -> int:
    await add_user(runtime, user_id, first_name)
    now = utcnow()
    async with runtime.sessions.begin() as session:
        return (
            await session.execute(
                insert(Subscription)
                .values(
                    user_id=user_id,
                    plan_id=plan_id,
                    started_at=now - timedelta(days=10),
                    ends_at=now + ends_in,
                    status=status,
                    ritual_stage=4,
                    removal_attempts=0,
                    created_at=now,
                    **values,
                )
                .returning(Subscription.id)
            )
        ).scalar_one()


async def add_job_run(runtime: Runtime, status: str = "ok", ago: timedelta = timedelta()) -> None:
    started = utcnow() - ago
    async with runtime.sessions.begin() as session:
        await session.execute(
            insert(JobRun).values(
                job="cron",
                started_at=started,
                finished_at=started + timedelta(seconds=3),
                status=status,
                dry_run=False,
                counts={"approved": 2},
                errors=0 if status == "ok" else 1,
            )
        )


async def audit_of(runtime: Runtime, action: str) -> list[AuditEntry]:
    async with runtime.sessions() as session:
        found = await session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(found.scalars())


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an admin action could change (users are left out: each update refreshes
    ``last_seen_at``)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.sessions() as session:
        for model in SNAPSHOT_MODELS:
            columns = list(model.__table__.columns)
            rows = await session.execute(select(*columns).order_by(*model.__table__.primary_key))
            out[model.__tablename__] = [tuple(r) for r in rows.all()]
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
