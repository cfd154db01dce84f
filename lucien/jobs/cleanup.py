"""Clean-up of rows whose purpose has passed (counted only in a dry run).

Every table that grows with use has a retention period here, configurable through the
environment (``RETENTION_<TABLE>_DAYS``, see ``Settings``); the README's "Data" section
says what each one keeps and why. Each target is one conditional ``DELETE`` in its own
short transaction, so a large backlog never holds a lock for long.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.sql.elements import ColumnElement

from lucien.access.join_requests import FINISHED
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
)
from lucien.db.results import rowcount
from lucien.jobs.context import CronContext
from lucien.settings import Settings

STEP = "cleanup"

Condition = Callable[[datetime], ColumnElement[bool]]


def _updates_done(cutoff: datetime) -> ColumnElement[bool]:
    # Failed attempts are kept (with their count) for the poison guard until then.
    return ProcessedUpdate.status.in_(("done", "failed")) & (ProcessedUpdate.completed_at < cutoff)


def _claims_stuck(cutoff: datetime) -> ColumnElement[bool]:
    # A claim whose process died: its lease passed long ago and Telegram stopped retrying.
    return (ProcessedUpdate.status == "processing") & (ProcessedUpdate.claimed_at < cutoff)


def _links_finished(cutoff: datetime) -> ColumnElement[bool]:
    # Used, revoked or expired links; an open one is never deleted before it expires.
    return InviteLink.expires_at < cutoff


# (name in the summary, model, retention setting, rows older than the cutoff)
TARGETS: list[tuple[str, Any, str, Condition]] = [
    ("processed_updates", ProcessedUpdate, "processed_updates", _updates_done),
    ("stuck_claims", ProcessedUpdate, "stuck_claims", _claims_stuck),
    # The effects journal goes with the ledger's marks (a redelivery stops long before).
    (
        "update_effects",
        UpdateEffect,
        "update_effects",
        lambda c: UpdateEffect.created_at < c,
    ),
    (
        "join_requests",
        JoinRequest,
        "join_requests",
        lambda c: JoinRequest.status.in_(FINISHED) & (JoinRequest.decided_at < c),
    ),
    ("voice_history", VoiceHistory, "voice_history", lambda c: VoiceHistory.updated_at < c),
    ("rate_limits", RateLimit, "rate_limits", lambda c: RateLimit.window_started_at < c),
    ("fsm_states", FSMRecord, "fsm_states", lambda c: FSMRecord.updated_at < c),
    ("audit_log", AuditEntry, "audit_log", lambda c: AuditEntry.created_at < c),
    ("job_runs", JobRun, "job_runs", lambda c: JobRun.started_at < c),
    ("invite_links", InviteLink, "invite_links", _links_finished),
    ("interest_marks", InterestMark, "interest_marks", lambda c: InterestMark.last_at < c),
    ("reminders_sent", ReminderSent, "reminders_sent", lambda c: ReminderSent.period_end < c),
    ("dead_letters", DeadLetter, "dead_letters", lambda c: DeadLetter.created_at < c),
    ("ops_profiles", OpsProfile, "ops_profiles", lambda c: OpsProfile.created_at < c),
    ("ops_alerts", OpsAlert, "ops_alerts", lambda c: OpsAlert.last_sent_at < c),
]


def retention(settings: Settings, key: str) -> timedelta:
    return timedelta(days=float(getattr(settings, f"retention_{key}_days")))


def _targets(ctx: CronContext) -> list[tuple[str, Any, ColumnElement[bool]]]:
    now = ctx.now()
    settings = ctx.runtime.settings
    return [
        (name, model, condition(now - retention(settings, key)))
        for name, model, key, condition in TARGETS
    ]


async def run_cleanup(ctx: CronContext) -> None:
    for name, model, condition in _targets(ctx):
        if not ctx.budget.allows(ctx.reserve() / 2):
            ctx.budget_exhausted = True
            return
        if ctx.dry_run:
            async with ctx.runtime.sessions() as session:
                count = await session.scalar(
                    select(func.count()).select_from(model).where(condition)
                )
            ctx.count(STEP, f"would_delete_{name}", int(count or 0))
            continue
        async with ctx.runtime.sessions.begin() as session:
            result = await session.execute(delete(model).where(condition))
        ctx.count(STEP, name, rowcount(result))
