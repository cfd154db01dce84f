"""Queries and actions behind the admin panel's Free section.

- The queue: pending requests split by whether they have waited long enough (``waiting``
  / ``ready``), resolved ones (``done``: approved, closed, declined) and ``failed`` ones,
  counted in one statement and listed a page at a time with their users (no N+1).
- "Approve all now" claims pending rows with a lease exactly like the cron does
  (``lucien.jobs.claims``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then
  hands each to the cron's own per-request step (``lucien.jobs.free_approvals.process``):
  approve in Telegram with no transaction open, close on terminal answers, retry later
  on the others, DM the approval.
- "Reject all" claims the same way and declines each request — the only place a request
  is ever declined, by an explicit admin action.
- The wait time, Diana's social links and the Free channel invite link, validated and
  audited.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.config import get_config, update_config
from lucien.access.join_requests import APPROVED, CLOSED, DECLINED, FAILED, PENDING
from lucien.db.models import BotConfig, JoinRequest, User, utcnow
from lucien.jobs import on_demand
from lucien.jobs.on_demand import Bulk
from lucien.journal import done_before, once
from lucien.runtime import Runtime
from lucien.services.cards import user_card
from lucien.voice.data import JoinRequestCard, Network, Page, QueueFilter

log = logging.getLogger(__name__)

QUEUE_PER_PAGE = 10
WAIT_MAX = 10080  # a week, in minutes
URL_MAX = 255
#: A bulk action runs inside the webhook request: it stops claiming after this long and
#: leaves the rest pending (the cron, or another press, carries on).

QUEUE_FILTERS: tuple[QueueFilter, ...] = ("waiting", "ready", "done", "failed")
DONE = (APPROVED, CLOSED, DECLINED)
NETWORK_COLUMN: dict[Network, str] = {
    "instagram": "instagram_url",
    "tiktok": "tiktok_url",
    "x": "x_url",
}
_INVITE_RE = re.compile(r"^https://(?:t\.me|telegram\.me)/(?:\+|joinchat/)[A-Za-z0-9_-]{8,64}$")


# -- validation -----------------------------------------------------------------------------


def clean_https_url(value: str) -> str | None:
    """A profile URL: ``https://host.tld/…``, no spaces or credentials, ≤ 255 characters."""
    text = value.strip()
    if not text or len(text) > URL_MAX or any(ch.isspace() for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme != "https" or "." not in host or parts.username or parts.password:
        return None
    if any(ch in text for ch in "<>\"'"):
        return None
    return text


def clean_invite_link(value: str) -> str | None:
    """A private channel invite link: ``https://t.me/+…`` (or ``…/joinchat/…``)."""
    text = value.strip()
    if text.startswith("t.me/"):
        text = "https://" + text
    return text if _INVITE_RE.match(text) else None


# -- the queue ----------------------------------------------------------------------------


def queue_filter(kind: str, wait_minutes: int, now: datetime) -> Any:
    ready_before = now - timedelta(minutes=max(0, wait_minutes))
    if kind == "ready":
        return and_(JoinRequest.status == PENDING, JoinRequest.requested_at <= ready_before)
    if kind == "done":
        return JoinRequest.status.in_(DONE)
    if kind == "failed":
        return JoinRequest.status == FAILED
    return and_(JoinRequest.status == PENDING, JoinRequest.requested_at > ready_before)


def _count(*where: Any) -> Any:
    return select(func.count()).select_from(JoinRequest).where(*where).scalar_subquery()


async def queue_counts(
    session: AsyncSession, wait_minutes: int, now: datetime | None = None
) -> dict[str, int]:
    now = now or utcnow()
    row = (
        await session.execute(
            select(*(_count(queue_filter(k, wait_minutes, now)) for k in QUEUE_FILTERS))
        )
    ).one()
    return {k: int(v or 0) for k, v in zip(QUEUE_FILTERS, row, strict=True)}


def _card(req: JoinRequest, user: User, wait_minutes: int, now: datetime) -> JoinRequestCard:
    ready_at = req.requested_at + timedelta(minutes=max(0, wait_minutes))
    if req.status == PENDING:
        state = "ready" if ready_at <= now else "waiting"
    elif req.status == FAILED:
        state = "failed"
    else:
        state = "done"
    return JoinRequestCard(
        id=req.id,
        user=user_card(user),
        requested_at=req.requested_at,
        state=state,  # type: ignore[arg-type]
        ready_at=ready_at,
        attempts=req.attempts,
        decided_at=req.decided_at,
    )


async def queue_page(
    session: AsyncSession,
    kind: str,
    page: int,
    wait_minutes: int,
    *,
    per_page: int = QUEUE_PER_PAGE,
    now: datetime | None = None,
) -> tuple[list[JoinRequestCard], Page, dict[str, int]]:
    now = now or utcnow()
    if kind not in QUEUE_FILTERS:
        kind = "waiting"
    counts = await queue_counts(session, wait_minutes, now)
    at = Page.of(counts[kind], page, per_page)
    order = (
        (JoinRequest.decided_at.desc(), JoinRequest.id.desc())
        if kind in ("done", "failed")
        else (JoinRequest.requested_at.asc(), JoinRequest.id.asc())
    )
    rows = await session.execute(
        select(JoinRequest, User)
        .join(User, User.id == JoinRequest.user_id)
        .where(queue_filter(kind, wait_minutes, now))
        .order_by(*order)
        .offset(at.page * per_page)
        .limit(per_page)
    )
    return [_card(req, user, wait_minutes, now) for req, user in rows.all()], at, counts


# -- approve all / reject all -------------------------------------------------------------


REJECT_ALL = "free.reject_all"


async def count_pending(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(JoinRequest).where(JoinRequest.status == PENDING)
    return int(await session.scalar(stmt) or 0)


async def _audited(runtime: Runtime, action: str, actor_id: int | None, result: Bulk) -> Bulk:
    """One audit row per update (a redelivered «approve all» is not audited twice)."""

    async def record() -> Bulk:
        await audit.record(
            session,
            action,
            actor_id=actor_id,
            target_type="join_requests",
            after={
                "done": result.done,
                "closed": result.closed,
                "failed": result.failed,
                "unfinished": result.unfinished,
            },
        )
        return result

    async with runtime.sessions.begin() as session:
        return await once(session, action, Bulk, record)


def approvals_resumed() -> bool:
    """Whether an earlier attempt of this update's «approve all» already settled requests."""
    return bool(on_demand.approvals_resumed())


async def approve_all(runtime: Runtime, *, actor_id: int | None) -> Bulk:
    """Approve every pending request now, without waiting (the cron's step per request)."""
    result = await on_demand.approve_pending(runtime)
    return await _audited(runtime, "free.approve_all", actor_id, result)


async def rejections_resumed() -> bool:
    """Whether an earlier attempt of this update's «reject all» already finished it."""
    return await done_before(REJECT_ALL)


async def reject_all(runtime: Runtime, *, actor_id: int | None) -> Bulk:
    """Decline every pending request (explicit admin action; no message to the requester)."""
    result = await on_demand.decline_pending(runtime)
    return await _audited(runtime, REJECT_ALL, actor_id, result)


# -- settings -------------------------------------------------------------------------------


async def _set(session: AsyncSession, actor_id: int | None, field: str, value: Any) -> BotConfig:
    config = await get_config(session)
    before = getattr(config, field)
    if before == value:
        return config
    config = await update_config(session, **{field: value})
    target = ("config", field)
    await audit.change(session, "config.updated", target, field, (before, value), actor_id=actor_id)
    return config


async def set_wait(session: AsyncSession, minutes: int, *, actor_id: int | None) -> BotConfig:
    if not 0 <= minutes <= WAIT_MAX:
        raise ValueError(f"minutes must be 0..{WAIT_MAX}")
    return await _set(session, actor_id, "free_wait_minutes", minutes)


async def set_social(
    session: AsyncSession, network: Network, url: str | None, *, actor_id: int | None
) -> BotConfig:
    if url is not None and clean_https_url(url) != url:
        raise ValueError("not a valid https URL")
    return await _set(session, actor_id, NETWORK_COLUMN[network], url)


async def set_invite_link(
    session: AsyncSession, link: str | None, *, actor_id: int | None
) -> BotConfig:
    if link is not None and clean_invite_link(link) != link:
        raise ValueError("not a Telegram invite link")
    return await _set(session, actor_id, "free_invite_link", link)
