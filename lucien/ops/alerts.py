"""Alerts to the owner and the custodians when something needs a person.

Each alert has a *signature* (its kind plus what distinguishes one case from another: the
handler and exception class of a failed update, the failing cron steps…). A signature is
sent at most once per ``WINDOW``: the claim is one conditional write in ``ops_alerts``, so
any number of instances raising the same alert at once send it once. Later repeats within
the window are only counted (``suppressed``) and mentioned in the next alert.

Recipients are the custodians (``ADMIN_USER_IDS`` and granted ones) minus those who opted out
in the panel and those who blocked the bot. An alert names kinds, handlers, counts and ages —
never a member's name, a message's text or a secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from lucien.db.models import AlertOptOut, OpsAlert, User, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore

if TYPE_CHECKING:
    from lucien.ops.observe import Observation
    from lucien.runtime import Runtime
    from lucien.voice.data import JobRunCard

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
SEND_TIMEOUT = 5.0
KINDS = (
    "dead_letters",
    "redis_fallback",
    "cron_failed",
    "cron_stale",
    "webhook_error",
    "payment_unmatched",
)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


async def claim(runtime: Runtime, kind: str, signature: str, now: datetime) -> int | None:
    """``None`` if this signature was sent within the window; else how many were held back."""
    signature = signature[:128]
    async with runtime.sessions.begin() as session:
        inserted = await session.execute(
            insert_ignore(
                session,
                OpsAlert,
                {"signature": signature, "kind": kind, "last_sent_at": now, "suppressed": 0},
                ["signature"],
            )
        )
        if rowcount(inserted) == 1:
            return 0
        held = await session.scalar(
            update(OpsAlert)
            .where(OpsAlert.signature == signature, OpsAlert.last_sent_at <= now - WINDOW)
            .values(last_sent_at=now, suppressed=0)
            .returning(OpsAlert.suppressed)
        )
        if held is not None:
            return 0
        # Sent recently: count the repeat and say nothing.
        await session.execute(
            update(OpsAlert)
            .where(OpsAlert.signature == signature)
            .values(suppressed=OpsAlert.suppressed + 1)
        )
    return None


async def recipients(runtime: Runtime) -> list[int]:
    from lucien.access.roles import admin_ids

    async with runtime.sessions() as session:
        ids = await admin_ids(session, runtime.settings)
        if not ids:
            return []
        muted = set(
            (
                await session.execute(
                    select(AlertOptOut.user_id).where(AlertOptOut.user_id.in_(ids))
                )
            ).scalars()
        )
        unreachable = set(
            (
                await session.execute(
                    select(User.id).where(User.id.in_(ids), User.unreachable.is_(True))
                )
            ).scalars()
        )
    return [i for i in ids if i not in muted and i not in unreachable]


async def raise_alert(
    runtime: Runtime,
    kind: str,
    signature: str,
    *,
    now: datetime | None = None,
    exclude: frozenset[int] = frozenset(),
    **facts: Any,
) -> bool:
    """Send the alert unless its signature was sent within the window. Never raises."""
    try:
        return await _raise(runtime, kind, signature, now or utcnow(), exclude, facts)
    except Exception:
        log.warning("alert %s could not be raised", kind, exc_info=True)
        return False


async def _raise(
    runtime: Runtime,
    kind: str,
    signature: str,
    now: datetime,
    exclude: frozenset[int],
    facts: dict[str, Any],
) -> bool:
    if await claim(runtime, kind, signature, now) is None:
        log.info("alert %s held back (sent within the last hour)", kind)
        return False
    from lucien.ops import metrics
    from lucien.voice import Voice

    message = Voice(history=None, user_id=None).diagnostics.house_alert(kind=kind, **facts)
    sent = 0
    for chat_id in await recipients(runtime):
        if chat_id in exclude:
            continue
        try:
            await asyncio.wait_for(
                runtime.bot.send_message(chat_id, **message.as_send_kwargs()), SEND_TIMEOUT
            )
            sent += 1
        except Exception as exc:
            log.warning("alert %s not delivered to a custodian: %s", kind, type(exc).__name__)
    log.warning(
        "alert %s sent to %d custodians",
        kind,
        sent,
        extra={"ops": {"alert": kind, "signature": signature, "recipients": sent}},
    )
    await metrics.record(
        runtime, {metrics.series("lucien_alerts_sent_total", kind=kind): 1.0}, flush=True
    )
    return True


async def dead_letter(runtime: Runtime, obs: Observation) -> bool:
    """An update set aside by the poison guard: the custodians other than the owner (whom
    the pipeline told itself, with the letter's number) hear of it once per cause an hour."""
    from sqlalchemy import func

    from lucien.db.models import DeadLetter

    try:
        async with runtime.sessions() as session:
            count = int(
                await session.scalar(
                    select(func.count())
                    .select_from(DeadLetter)
                    .where(DeadLetter.replayed_at.is_(None))
                )
                or 0
            )
    except Exception:
        count = 1
    owner = runtime.settings.owner_id
    return await raise_alert(
        runtime,
        "dead_letters",
        f"dead_letter:{obs.handler}:{obs.error}",
        exclude=frozenset({owner}) if owner is not None else frozenset(),
        count=count,
        handler=obs.handler,
    )


# -- opt-out ---------------------------------------------------------------------------------


async def alerts_on(runtime: Runtime, user_id: int) -> bool:
    async with runtime.sessions() as session:
        return (
            await session.scalar(select(AlertOptOut.user_id).where(AlertOptOut.user_id == user_id))
        ) is None


async def set_alerts(runtime: Runtime, user_id: int, on: bool) -> None:
    async with runtime.sessions.begin() as session:
        if on:
            await session.execute(delete(AlertOptOut).where(AlertOptOut.user_id == user_id))
        else:
            await session.execute(
                insert_ignore(
                    session, AlertOptOut, {"user_id": user_id, "created_at": utcnow()}, ["user_id"]
                )
            )


# -- watchers --------------------------------------------------------------------------------


def stale_after(runtime: Runtime) -> timedelta:
    """Three missed runs of the schedule."""
    return timedelta(minutes=3 * runtime.settings.cron_interval_minutes)


async def last_heartbeat(runtime: Runtime) -> JobRunCard | None:
    """The cron's latest heartbeat, as the summary screen reads it."""
    from lucien.services.dashboard import last_run

    async with runtime.sessions() as session:
        return await last_run(session)


async def watch_heartbeat(runtime: Runtime, now: datetime | None = None) -> bool:
    """A cron that ran before and then went quiet is an alert (one never run is a warning on
    the summary screen: a fresh installation)."""
    now = now or utcnow()
    try:
        run = await last_heartbeat(runtime)
    except Exception:
        return False
    if run is None or run.started_at >= now - stale_after(runtime):
        return False
    minutes = int((now - run.started_at).total_seconds() // 60)
    return await raise_alert(runtime, "cron_stale", "cron_stale", now=now, minutes=minutes)


async def after_cron(runtime: Runtime, summary: dict[str, Any], obs: Observation) -> None:
    """After a real cron run: its own failures and Telegram's webhook error. (A stuck
    removal is told by the expiry step itself, once per period: ``expiry.removal_stuck``.)"""
    failed = summary.get("failed_steps") or []
    if summary.get("status") == "failed" or failed:
        await raise_alert(
            runtime, "cron_failed", "cron_failed:" + ",".join(failed), steps=",".join(failed)
        )
    await watch_webhook(runtime)
    if obs.fallbacks:
        await raise_alert(runtime, "redis_fallback", "redis_fallback")


async def watch_webhook(runtime: Runtime, now: datetime | None = None) -> bool:
    """Telegram's own record of failing deliveries (``getWebhookInfo.last_error_*``)."""
    now = now or utcnow()
    try:
        info = await asyncio.wait_for(runtime.bot.get_webhook_info(), SEND_TIMEOUT)
    except Exception:
        return False
    when = info.last_error_date
    if not info.url or when is None or when < now - 2 * stale_after(runtime):
        return False
    return await raise_alert(
        runtime,
        "webhook_error",
        "webhook_error:" + digest(info.last_error_message or ""),
        now=now,
        minutes=int((now - when).total_seconds() // 60),
        detail=(info.last_error_message or "")[:120],
        pending=info.pending_update_count,
    )
