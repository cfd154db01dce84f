"""Clean-up of rows whose purpose has passed (counted only in a dry run)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.sql.elements import ColumnElement

from lucien.access.join_requests import FINISHED
from lucien.db.models import JoinRequest, ProcessedUpdate, RateLimit, VoiceHistory
from lucien.db.results import rowcount
from lucien.jobs.context import CronContext

STEP = "cleanup"

UPDATES_KEPT = timedelta(days=3)
JOIN_REQUESTS_KEPT = timedelta(days=30)
VOICE_HISTORY_KEPT = timedelta(days=1)
RATE_LIMITS_KEPT = timedelta(days=1)


def _targets(ctx: CronContext) -> list[tuple[str, Any, ColumnElement[bool]]]:
    now = ctx.now()
    return [
        (
            "processed_updates",
            ProcessedUpdate,
            # Failed attempts are kept (with their count) for the poison guard until then.
            ProcessedUpdate.status.in_(("done", "failed"))
            & (ProcessedUpdate.completed_at < now - UPDATES_KEPT),
        ),
        (
            "join_requests",
            JoinRequest,
            JoinRequest.status.in_(FINISHED) & (JoinRequest.decided_at < now - JOIN_REQUESTS_KEPT),
        ),
        ("voice_history", VoiceHistory, VoiceHistory.updated_at < now - VOICE_HISTORY_KEPT),
        ("rate_limits", RateLimit, RateLimit.window_started_at < now - RATE_LIMITS_KEPT),
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
