"""Retention: the cron's clean-up removes, per growing table, what is older than its period.

Each case puts one row past the period and one inside it, runs the real cron, and checks
that exactly the old one went (and that the count says so).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import (
    AuditEntry,
    DeadLetter,
    FSMRecord,
    InterestMark,
    InviteLink,
    JobRun,
    JoinRequest,
    OpsAlert,
    OpsProfile,
    ProcessedUpdate,
    RateLimit,
    ReminderSent,
    UpdateEffect,
    VoiceHistory,
    utcnow,
)
from lucien.jobs.cleanup import TARGETS, retention
from lucien.jobs.runner import run_cron
from lucien.runtime import Runtime
from tests.conftest import Harness
from tests.factories import add_subscription, add_user

USER = 5101
# (session, when, a distinguishing number, a subscription id) → where-clause of the row
Row = Callable[[AsyncSession, datetime, int, int], Awaitable[Any]]


async def _update(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(
        insert(ProcessedUpdate).values(
            update_id=900_000 + n, status="done", claimed_at=at, completed_at=at
        )
    )
    return ProcessedUpdate.update_id == 900_000 + n


async def _stuck(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(
        insert(ProcessedUpdate).values(update_id=800_000 + n, status="processing", claimed_at=at)
    )
    return ProcessedUpdate.update_id == 800_000 + n


async def _effect(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(
        insert(UpdateEffect).values(update_id=700_000 + n, key="db:x#1", result=n, created_at=at)
    )
    return UpdateEffect.update_id == 700_000 + n


async def _join(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    row = await s.execute(
        insert(JoinRequest)
        .values(user_id=USER, chat_id=-100 - n, requested_at=at, status="approved", decided_at=at)
        .returning(JoinRequest.id)
    )
    return JoinRequest.id == row.scalar_one()


async def _voice(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(
        insert(VoiceHistory).values(user_id=USER, message_key=f"k{n}", recent="1", updated_at=at)
    )
    return VoiceHistory.message_key == f"k{n}"


async def _rate(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(insert(RateLimit).values(key=f"redeem:{n}", window_started_at=at, count=1))
    return RateLimit.key == f"redeem:{n}"


async def _fsm(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    key = f"fsm:{n}:{n}:default"
    await s.execute(insert(FSMRecord).values(key=key, state="W:x", data=None, updated_at=at))
    return FSMRecord.key == key


async def _audit(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    row = await s.execute(
        insert(AuditEntry).values(action=f"test.{n}", created_at=at).returning(AuditEntry.id)
    )
    return AuditEntry.id == row.scalar_one()


async def _job(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    row = await s.execute(
        insert(JobRun)
        .values(job="cron", started_at=at, finished_at=at, status="ok", dry_run=False, errors=0)
        .returning(JobRun.id)
    )
    return JobRun.id == row.scalar_one()


async def _link(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    link = f"https://t.me/+retention{n}"
    await s.execute(
        insert(InviteLink).values(
            user_id=USER, chat_id=-100, link=link, created_at=at, expires_at=at, used_at=at
        )
    )
    return InviteLink.link == link


async def _mark(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(insert(InterestMark).values(user_id=USER, target=f"p{n}", last_at=at))
    return InterestMark.target == f"p{n}"


async def _reminder(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    row = await s.execute(
        insert(ReminderSent)
        .values(subscription_id=sub, offset_hours=n, period_end=at, sent_at=at)
        .returning(ReminderSent.id)
    )
    return ReminderSent.id == row.scalar_one()


async def _dead(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(
        insert(DeadLetter).values(
            update_id=700_000 + n,
            payload={"update_id": 700_000 + n},
            error="boom",
            attempts=5,
            first_attempt_at=at,
            created_at=at,
        )
    )
    return DeadLetter.update_id == 700_000 + n


async def _profile(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    row = await s.execute(
        insert(OpsProfile)
        .values(
            created_at=at,
            reason="profile",
            kind="message",
            duration_ms=1.0,
            sql_count=1,
            telegram_count=0,
        )
        .returning(OpsProfile.id)
    )
    return OpsProfile.id == row.scalar_one()


async def _alert(s: AsyncSession, at: datetime, n: int, sub: int) -> Any:
    await s.execute(
        insert(OpsAlert).values(signature=f"test:{n}", kind="cron_stale", last_sent_at=at)
    )
    return OpsAlert.signature == f"test:{n}"


ROWS: dict[str, tuple[Any, Row]] = {
    "processed_updates": (ProcessedUpdate, _update),
    "stuck_claims": (ProcessedUpdate, _stuck),
    "update_effects": (UpdateEffect, _effect),
    "join_requests": (JoinRequest, _join),
    "voice_history": (VoiceHistory, _voice),
    "rate_limits": (RateLimit, _rate),
    "fsm_states": (FSMRecord, _fsm),
    "audit_log": (AuditEntry, _audit),
    "job_runs": (JobRun, _job),
    "invite_links": (InviteLink, _link),
    "interest_marks": (InterestMark, _mark),
    "reminders_sent": (ReminderSent, _reminder),
    "dead_letters": (DeadLetter, _dead),
    "ops_profiles": (OpsProfile, _profile),
    "ops_alerts": (OpsAlert, _alert),
}


def test_every_growing_table_has_a_case_here() -> None:
    assert sorted(ROWS) == sorted(name for name, *_ in TARGETS)


async def _present(runtime: Runtime, model: Any, where: Any) -> bool:
    async with runtime.sessions() as session:
        return await session.scalar(select(model).where(where)) is not None


async def _two_rows(runtime: Runtime, name: str, period: timedelta) -> tuple[Any, Any]:
    make = ROWS[name][1]
    sub = await add_subscription(runtime, USER, timedelta(days=5))
    now = utcnow()
    async with runtime.sessions.begin() as session:
        old = await make(session, now - period - timedelta(hours=1), 1, sub)
        fresh = await make(session, now - period + timedelta(hours=1), 2, sub)
    return old, fresh


@pytest.mark.parametrize("name", sorted(ROWS))
async def test_retention_removes_what_is_past_its_period(app: Harness, name: str) -> None:
    runtime = app.runtime
    await add_user(runtime, USER, "Rita")
    model = ROWS[name][0]
    old, fresh = await _two_rows(runtime, name, retention(runtime.settings, name))

    dry = await run_cron(runtime, dry_run=True)
    assert dry["counts"]["cleanup"][f"would_delete_{name}"] == 1
    assert await _present(runtime, model, old)

    summary = await run_cron(runtime)
    assert summary["counts"]["cleanup"][name] == 1
    assert not await _present(runtime, model, old)
    assert await _present(runtime, model, fresh)


async def test_retention_periods_come_from_the_environment(app: Harness) -> None:
    runtime = app.runtime
    runtime.settings = runtime.settings.model_copy(update={"retention_audit_log_days": 2.0})
    assert retention(runtime.settings, "audit_log") == timedelta(days=2)
    old, fresh = await _two_rows(runtime, "audit_log", timedelta(days=2))
    await run_cron(runtime)
    assert not await _present(runtime, AuditEntry, old)
    assert await _present(runtime, AuditEntry, fresh)
