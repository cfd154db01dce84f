"""The one seam between the pipeline and operations.

``run_observed`` wraps ``process_update`` for the webhook and for polling; ``observed_cron``
wraps ``run_cron``. Each opens an ``Observation``, runs the real thing, then — after the
work is settled — writes one structured log line, adds the samples to the shared metrics,
raises the N+1 alarm when an update sent too many statements, stores a profile when one
was asked for, and raises alerts (failed update, Redis fallback, cron trouble).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from lucien.ops import logs, metrics
from lucien.ops.observe import (
    Observation,
    instrument_bot,
    instrument_dispatcher,
    instrument_engine,
    observing,
    update_kind,
)

if TYPE_CHECKING:
    from aiogram.types import Update

    from lucien.pipeline import Outcome
    from lucien.runtime import Runtime

log = logging.getLogger(__name__)

#: How often a process looks at the cron's heartbeat while serving updates.
WATCH_EVERY = 600.0
_last_watch = 0.0


def instrument(runtime: Runtime) -> None:
    from lucien import pipeline

    instrument_engine(runtime.engine)
    instrument_bot(runtime.bot)
    instrument_dispatcher(pipeline.shared_dispatcher())


async def run_observed(runtime: Runtime, update: Update) -> Outcome:
    from lucien import pipeline
    from lucien.ops import profiling

    instrument(runtime)
    obs = Observation(kind=update_kind(update), update_id=update.update_id)
    profiler = await profiling.claim(runtime)
    with observing(obs):
        if profiler is None:
            outcome = await pipeline.process_update(runtime, update)
        else:
            with profiler:
                outcome = await pipeline.process_update(runtime, update)
        obs.finish(outcome.value)
        logs.log_update(obs)
        await after_update(runtime, obs, profiler)
    return outcome


async def after_update(runtime: Runtime, obs: Observation, profiler: Any) -> None:
    from lucien.ops import alerts, profiling

    samples = metrics.update_samples(obs)
    alarm = obs.sql > runtime.settings.sql_alarm_statements
    if alarm:
        samples["lucien_sql_alarms_total"] += 1
    await metrics.record(runtime, samples)
    if alarm:
        await profiling.n_plus_one(runtime, obs)
    if profiler is not None:
        await profiling.store(runtime, obs, profiler)
    if obs.outcome == "dead_letter":
        # A failed update is redelivered by Telegram; only one the poison guard set aside is
        # worth a person's attention. The pipeline already told the owner, so the alert
        # goes to the other custodians.
        await alerts.dead_letter(runtime, obs)
    if obs.fallbacks:
        await alerts.raise_alert(runtime, "redis_fallback", "redis_fallback")
    await _watch(runtime)


async def _watch(runtime: Runtime) -> None:
    """Now and then, look at what no single update would notice: a cron gone quiet."""
    global _last_watch
    now = time.monotonic()
    if now - _last_watch < WATCH_EVERY:
        return
    _last_watch = now
    from lucien.ops import alerts

    await alerts.watch_heartbeat(runtime)


async def observed_cron(runtime: Runtime, **kwargs: Any) -> dict[str, Any]:
    from lucien.jobs.runner import STEPS, run_cron
    from lucien.ops import alerts

    instrument_engine(runtime.engine)
    instrument_bot(runtime.bot)
    obs = Observation(kind="cron")
    with observing(obs):
        summary = await run_cron(runtime, **kwargs)
        obs.finish(str(summary.get("status")))
        logs.log_cron(summary, obs, [name for name, _ in kwargs.get("steps", STEPS)])
        await metrics.record(runtime, metrics.cron_samples(summary, obs), flush=True)
        if not summary.get("dry_run"):
            await alerts.after_cron(runtime, summary, obs)
    return summary
