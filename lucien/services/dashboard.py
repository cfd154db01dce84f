"""The admin summary: what is configured, the numbers that matter now, and warnings.

Everything the database can tell comes from three statements: the configuration row, one
``SELECT`` of scalar sub-queries (every count at once, no N+1) and the last cron
heartbeat. Whether the bot really administers each channel is asked from Telegram only
when ``check_channels`` is set (the dashboard screen), always with no transaction open;
the same screen pings Redis, because a Redis outage is otherwise invisible: every reader
falls back to the database and the bot only gets slower.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.config import get_config, reminder_offsets
from lucien.access.invitations import Status as TokenStatus
from lucien.access.invitations import status_filter
from lucien.access.join_requests import FAILED as JR_FAILED
from lucien.access.join_requests import PENDING
from lucien.access.roles import admin_ids
from lucien.access.subscriptions import ACTIVE, REMOVAL_FAILED, STUCK_ATTEMPTS
from lucien.db.models import (
    BotConfig,
    Interest,
    Invitation,
    JobRun,
    JoinRequest,
    Plan,
    Subscription,
    User,
    utcnow,
)
from lucien.runtime import Runtime
from lucien.services.channels import check_rights
from lucien.voice.data import (
    ChannelCard,
    ChannelKind,
    ConfigCard,
    DashboardData,
    JobRunCard,
    SocialLinks,
)

log = logging.getLogger(__name__)

CRON_JOB = "cron"
#: No heartbeat for this long means the scheduler is not calling the cron.
CRON_STALE_AFTER = timedelta(hours=2)
#: A run still "running" after this long died mid-way.
CRON_HUNG_AFTER = timedelta(hours=1)
EXPIRING_WINDOW = timedelta(days=7)
#: Recent enough for a failed approval to still be worth a warning.
FAILED_RECENT = timedelta(days=7)


def _count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def active_now(now: datetime) -> Any:
    return and_(Subscription.status == ACTIVE, Subscription.ends_at > now)


async def counts(session: AsyncSession, config: BotConfig, now: datetime) -> dict[str, int]:
    """Every number of the summary in one statement."""
    ready_before = now - timedelta(minutes=max(0, config.free_wait_minutes))
    stmt = select(
        _count(Subscription, active_now(now)).label("vip_active"),
        _count(Subscription, active_now(now), Subscription.ends_at <= now + EXPIRING_WINDOW).label(
            "vip_expiring_7d"
        ),
        _count(
            Subscription,
            or_(
                Subscription.status == REMOVAL_FAILED,
                and_(
                    Subscription.status == ACTIVE,
                    Subscription.ends_at <= now,
                    Subscription.removal_attempts >= STUCK_ATTEMPTS,
                ),
            ),
        ).label("removals_stuck"),
        _count(JoinRequest, JoinRequest.status == PENDING).label("free_pending"),
        _count(
            JoinRequest, JoinRequest.status == PENDING, JoinRequest.requested_at <= ready_before
        ).label("free_ready"),
        _count(
            JoinRequest,
            or_(
                and_(
                    JoinRequest.status == JR_FAILED,
                    JoinRequest.decided_at >= now - FAILED_RECENT,
                ),
                and_(JoinRequest.status == PENDING, JoinRequest.attempts >= STUCK_ATTEMPTS),
            ),
        ).label("approvals_stuck"),
        _count(Plan, Plan.active.is_(True)).label("plans_active"),
        _count(Interest, Interest.attended_at.is_(None)).label("interests_pending"),
        _count(Invitation, status_filter(TokenStatus.UNUSED, now)).label("tokens_unused"),
    )
    row = (await session.execute(stmt)).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


async def last_run(session: AsyncSession, *, dry_run: bool = False) -> JobRunCard | None:
    """The latest real cron run (or, with ``dry_run``, the latest rehearsal): a dry run's
    heartbeat proves the cron alive but is never shown as a real round."""
    run = (
        await session.execute(
            select(JobRun)
            .where(JobRun.job == CRON_JOB, JobRun.dry_run.is_(dry_run))
            .order_by(JobRun.started_at.desc(), JobRun.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if run is None:
        return None
    status = run.status if run.status in ("running", "ok", "partial", "failed") else "failed"
    return JobRunCard(
        job=run.job,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=status,  # type: ignore[arg-type]
        dry_run=bool(run.dry_run),
        counts={k: int(v) for k, v in (run.counts or {}).items() if isinstance(v, int)},
        errors=run.errors,
    )


def newest(*runs: JobRunCard | None) -> JobRunCard | None:
    found = [run for run in runs if run is not None]
    return max(found, key=lambda run: run.started_at) if found else None


def config_card(
    config: BotConfig,
    vip: ChannelCard | None = None,
    free: ChannelCard | None = None,
) -> ConfigCard:
    return ConfigCard(
        vip=vip or ChannelCard("vip", chat_id=config.vip_channel_id),
        free=free or ChannelCard("free", chat_id=config.free_channel_id),
        free_wait_minutes=config.free_wait_minutes,
        social=SocialLinks(config.instagram_url, config.tiktok_url, config.x_url),
        free_invite_link=config.free_invite_link,
        creator_username=config.creator_username,
        timezone=config.timezone,
        reminder_offsets=tuple(reminder_offsets(config)),
        dry_run=bool(config.dry_run),
        notify_unauthorized_joins=bool(config.notify_unauthorized_joins),
    )


async def channel_card(runtime: Runtime, kind: ChannelKind, chat_id: int | None) -> ChannelCard:
    """What the bot may do in a configured channel, as the calibration screen reports it
    (asked from Telegram; call it with no transaction open)."""
    if chat_id is None:
        return ChannelCard(kind, None)
    return await check_rights(runtime.bot, kind, chat_id)


def warnings_for(
    config: ConfigCard,
    numbers: dict[str, int],
    run: JobRunCard | None,
    now: datetime,
    **flags: bool,
) -> tuple[str, ...]:
    found: list[str] = []
    for card, code in ((config.vip, "vip_channel_missing"), (config.free, "free_channel_missing")):
        if card.chat_id is None:
            found.append(code)
        elif not card.is_admin or card.missing:
            found.append(f"{card.kind}_channel_rights")
    if not numbers.get("plans_active"):
        found.append("no_plans")
    if run is None:
        found.append("cron_never")
    elif run.status == "running" and run.started_at < now - CRON_HUNG_AFTER:
        found.append("cron_failed")
    elif run.status in ("failed", "partial"):
        found.append("cron_failed")
    if run is not None and run.started_at < now - CRON_STALE_AFTER:
        found.append("cron_stale")
    if numbers.get("removals_stuck"):
        found.append("removals_stuck")
    if numbers.get("approvals_stuck"):
        found.append("approvals_stuck")
    if flags.get("unreachable_admins"):
        found.append("unreachable_admins")
    if flags.get("redis_down"):
        found.append("redis_down")
    if config.dry_run:
        found.append("dry_run")
    return tuple(found)


async def _unreachable_admins(session: AsyncSession, runtime: Runtime) -> bool:
    ids = await admin_ids(session, runtime.settings)
    if not ids:
        return False
    found = await session.scalar(
        select(func.count()).select_from(User).where(User.id.in_(ids), User.unreachable.is_(True))
    )
    return bool(found)


#: How long the summary (and the diagnostics) wait for Redis's answer to a ping.
REDIS_PING_TIMEOUT = 2.0


async def redis_fault(runtime: Runtime, timeout: float = REDIS_PING_TIMEOUT) -> str | None:
    """Why the configured Redis does not answer (the error's name), or None when it does
    or none is configured (a choice, not a fault)."""
    client = runtime.redis()
    if client is None:
        return None
    try:
        await asyncio.wait_for(client.ping(), timeout)
    except Exception as exc:  # whatever it is, the summary still renders
        return type(exc).__name__
    return None


async def collect(
    runtime: Runtime, *, check_channels: bool = False, now: datetime | None = None
) -> DashboardData:
    """The summary. ``check_channels`` asks Telegram about the bot's rights (after the
    database work, with the transaction closed)."""
    now = now or utcnow()
    async with runtime.sessions.begin() as session:
        config = await get_config(session)
        numbers = await counts(session, config, now)
        run = await last_run(session)
        rehearsal = await last_run(session, dry_run=True)
        unreachable = await _unreachable_admins(session, runtime)
    vip = free = None
    redis_down = False
    if check_channels:
        vip = await channel_card(runtime, "vip", config.vip_channel_id)
        free = await channel_card(runtime, "free", config.free_channel_id)
        redis_down = await redis_fault(runtime) is not None
    card = config_card(config, vip, free)
    return DashboardData(
        config=card,
        vip_active=numbers["vip_active"],
        vip_expiring_7d=numbers["vip_expiring_7d"],
        free_pending=numbers["free_pending"],
        free_ready=numbers["free_ready"],
        tokens_unused=numbers["tokens_unused"],
        interests_pending=numbers["interests_pending"],
        plans_active=numbers["plans_active"],
        last_run=run,
        last_rehearsal=rehearsal if newest(run, rehearsal) is rehearsal else None,
        # Whether the cron is alive and well: any heartbeat, rehearsals included.
        warnings=warnings_for(
            card,
            numbers,
            newest(run, rehearsal),
            now,
            unreachable_admins=unreachable,
            redis_down=redis_down,
        ),
    )
