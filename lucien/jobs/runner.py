"""One cron run: reminders, expiries and removals, Free approvals, clean-up; a heartbeat.

``run_cron`` is what the HTTP endpoint, the Lambda schedule, ``python -m
functions.cron_expiry`` and ``lucien cron`` all call. Each step claims its own rows, so any
number of runs may overlap; each stops claiming before the time budget ends and the next
run carries on. A step that fails unexpectedly is recorded and the others still run.

Dry run (``bot_config.dry_run``, ``LUCIEN_CRON_DRY_RUN=1`` or an explicit flag): every step
only counts what it would do, with read-only queries; nothing is sent to Telegram and
nothing is written to the database but its heartbeat, a ``job_runs`` row marked
``dry_run`` (so the dashboard sees the cron alive and never takes it for a real run). The
summary is the report.

Telegram calls are paced by ``lucien.jobs.pacing.shared_limiter``: one rate for all runs at
once, through Redis or the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from lucien.db.models import JobRun, utcnow
from lucien.jobs.cleanup import run_cleanup
from lucien.jobs.context import CronContext, read_config
from lucien.jobs.expiry import run_expiry
from lucien.jobs.free_approvals import run_free_approvals
from lucien.jobs.pacing import shared_limiter
from lucien.jobs.reminders import run_reminders
from lucien.runtime import Runtime
from lucien.telegram.limiter import Budget, Limiter

log = logging.getLogger(__name__)

JOB = "cron"
Step = Callable[[CronContext], Awaitable[None]]
STEPS: tuple[tuple[str, Step], ...] = (
    # Expiry first: removing those who are no longer entitled matters most.
    ("expiry", run_expiry),
    ("reminders", run_reminders),
    ("free", run_free_approvals),
    ("cleanup", run_cleanup),
)


async def _start_heartbeat(runtime: Runtime, started: datetime, dry_run: bool) -> int:
    async with runtime.sessions.begin() as session:
        return (
            await session.execute(
                insert(JobRun)
                .values(job=JOB, started_at=started, status="running", dry_run=dry_run, errors=0)
                .returning(JobRun.id)
            )
        ).scalar_one()


async def _finish_heartbeat(runtime: Runtime, run_id: int, summary: dict[str, Any]) -> None:
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(
                finished_at=utcnow(),
                status=summary["status"],
                counts=summary["totals"],
                errors=summary["error_count"],
                detail="\n".join(summary["errors"])[:4000] or None,
            )
        )


async def run_cron(
    runtime: Runtime,
    *,
    dry_run: bool | None = None,
    budget_seconds: float | None = None,
    clock: Callable[[], datetime] | None = None,
    limiter: Limiter | None = None,
    steps: tuple[tuple[str, Step], ...] = STEPS,
) -> dict[str, Any]:
    """Run the job once and return its summary (JSON-safe)."""
    started_mono = time.monotonic()
    started = utcnow()
    budget = Budget(budget_seconds or runtime.settings.cron_time_budget_seconds)
    config = await read_config(runtime)
    dry = (
        bool(dry_run)
        if dry_run is not None
        else (config.dry_run or runtime.settings.lucien_cron_dry_run)
    )
    if limiter is None:
        limiter = shared_limiter(runtime, budget)
    else:
        limiter.budget = budget
    ctx = CronContext(
        runtime=runtime,
        config=config,
        dry_run=dry,
        budget=budget,
        limiter=limiter,
        clock=clock or utcnow,
    )

    run_id = await _start_heartbeat(runtime, started, dry)
    failed_steps: list[str] = []
    for name, step in steps:
        try:
            await step(ctx)
        except Exception as exc:
            log.exception("cron step %s failed", name)
            failed_steps.append(name)
            ctx.error(name, f"step failed: {type(exc).__name__}: {exc}")

    if len(failed_steps) == len(steps):
        status = "failed"
    elif failed_steps or ctx.error_count:
        status = "partial"
    else:
        status = "ok"
    summary: dict[str, Any] = {
        "job": JOB,
        "status": status,
        "dry_run": dry,
        "started_at": started.isoformat(),
        "duration_seconds": round(time.monotonic() - started_mono, 3),
        "budget_seconds": budget.seconds,
        "budget_exhausted": ctx.budget_exhausted,
        "totals": ctx.totals(),
        "counts": {step: dict(sorted(c.items())) for step, c in ctx.counts.items()},
        "telegram_calls": limiter.calls,
        "flood_waits": len(limiter.flood_waits),
        "failed_steps": failed_steps,
        "error_count": ctx.error_count,
        "errors": ctx.errors,
    }
    if run_id is not None:
        try:
            await _finish_heartbeat(runtime, run_id, summary)
        except Exception:
            log.exception("cron heartbeat could not be written")
    if dry:
        summary["planned"] = ctx.planned
    summary["run_id"] = run_id
    log.info("cron run finished: %s", {k: summary[k] for k in ("status", "dry_run", "counts")})
    return summary
