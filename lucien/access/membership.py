"""Who enters the VIP channel (``chat_member`` updates for the configured channel).

- A member with an active period joins → the personal link they used is marked used and
  revoked (with any other open link of theirs) and the ritual is complete.
- Anyone else joins (a shared or leaked link) → removed again at once: ban, then
  ``unbanChatMember(only_if_banned=True)`` so a future invitation still works; the admins
  are told when the configuration says so (on by default).
Admins (env or granted) and the channel's own administrators are never removed.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.admins import admin_ids
from lucien.access.links import mark_used, revoke_links, revoke_open_links
from lucien.access.ritual import complete
from lucien.access.subscriptions import current_subscription
from lucien.db.models import InviteLink, utcnow
from lucien.runtime import Runtime
from lucien.services.roles import is_granted_admin
from lucien.telegram.errors import invite_link_gone, member_already_gone

log = logging.getLogger(__name__)

INSIDE = frozenset({"member", "administrator", "creator"})


def is_join(
    old_status: str,
    new_status: str,
    old_is_member: bool | None = None,
    new_is_member: bool | None = None,
) -> bool:
    """Did this ``chat_member`` change take the user from outside to inside?"""

    def inside(status: str, is_member: bool | None) -> bool:
        return status in INSIDE or (status == "restricted" and bool(is_member))

    return inside(new_status, new_is_member) and not inside(old_status, old_is_member)


class JoinKind(enum.StrEnum):
    MEMBER = "member"  # an active member entered
    ADMIN = "admin"  # an admin or a channel administrator: left alone
    REMOVED = "removed"  # no active period: removed again


@dataclass
class JoinOutcome:
    kind: JoinKind
    user_id: int
    subscription_id: int | None = None
    link_owner_id: int | None = None  # whose personal link was used, when it was ours
    notify: list[int] = field(default_factory=list)  # admins to tell (REMOVED)
    errors: list[str] = field(default_factory=list)


async def handle_vip_join(
    runtime: Runtime,
    *,
    chat_id: int,
    user_id: int,
    new_status: str,
    invite_link: str | None,
    notify_admins: bool,
    now: datetime | None = None,
) -> JoinOutcome:
    now = now or utcnow()
    if new_status in ("administrator", "creator") or user_id in runtime.settings.admin_ids:
        return JoinOutcome(JoinKind.ADMIN, user_id)

    used_link: InviteLink | None = None
    foreign_link: InviteLink | None = None
    async with runtime.sessions.begin() as session:
        if await is_granted_admin(session, user_id):
            return JoinOutcome(JoinKind.ADMIN, user_id)
        sub = await current_subscription(session, user_id, now)
        if sub is not None:
            if invite_link:
                used_link = await mark_used(session, invite_link, user_id, now)
                if used_link is None:  # a member who came in with someone else's link
                    foreign_link = await _close_foreign(session, invite_link, chat_id, user_id, now)
            await complete(session, user_id, subscription_id=sub.id, now=now)
            await audit.record(
                session,
                "vip.joined",
                actor_id=user_id,
                target_type="subscription",
                target_id=sub.id,
                after={"link": used_link.id if used_link else None},
                at=now,
            )
        else:
            if invite_link:
                foreign_link = await _close_foreign(session, invite_link, chat_id, user_id, now)
            await audit.record(
                session,
                "vip.unauthorized_join",
                target_type="user",
                target_id=user_id,
                after={"link_owner": foreign_link.user_id if foreign_link else None},
                at=now,
            )
            admins = await admin_ids(session, runtime.settings) if notify_admins else []

    bot = runtime.bot
    if sub is not None:
        outcome = JoinOutcome(JoinKind.MEMBER, user_id, subscription_id=sub.id)
        if used_link is not None:
            _, errors = await revoke_links(runtime, [used_link], now=now)
            outcome.errors.extend(errors)
        _, errors = await revoke_open_links(runtime, user_id, chat_id, now=now)
        outcome.errors.extend(errors)
        if foreign_link is not None:
            outcome.link_owner_id = foreign_link.user_id
            await _revoke_in_telegram(runtime, foreign_link)
        return outcome

    # Not entitled: remove. Errors other than "not there" fail the update so Telegram
    # delivers it again (ban and unban are idempotent).
    try:
        await bot.ban_chat_member(chat_id, user_id)
    except Exception as exc:
        if not member_already_gone(exc):
            raise
    try:
        await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
    except Exception as exc:
        if not member_already_gone(exc):
            raise
    if foreign_link is not None:
        await _revoke_in_telegram(runtime, foreign_link)
    return JoinOutcome(
        JoinKind.REMOVED,
        user_id,
        link_owner_id=foreign_link.user_id if foreign_link else None,
        notify=admins,
    )


async def _close_foreign(
    session: AsyncSession, link: str, chat_id: int, joiner_id: int, now: datetime
) -> InviteLink | None:
    """Someone else's personal link was used: it is spent, so it is closed for its owner
    too (their /start will hand them a fresh one)."""
    found = (
        await session.execute(
            select(InviteLink).where(
                InviteLink.link == link,
                InviteLink.chat_id == chat_id,
                InviteLink.user_id != joiner_id,
            )
        )
    ).scalar_one_or_none()
    if found is not None and found.revoked_at is None:
        await session.execute(
            update(InviteLink).where(InviteLink.id == found.id).values(revoked_at=now)
        )
    return found


async def _revoke_in_telegram(runtime: Runtime, link: InviteLink) -> None:
    try:
        await runtime.bot.revoke_chat_invite_link(link.chat_id, link.link)
    except Exception as exc:
        if not invite_link_gone(exc):
            log.warning("could not revoke spent link %s: %s", link.id, exc)
