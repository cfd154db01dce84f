"""Personal invite links to the VIP channel: one member, 24 hours, named after the member.

A member sees the same link while it is valid; an expired one is revoked and replaced.
Links are created and revoked with no transaction open. If two requests of the same user
create a link at the same time, both keep the oldest one and revoke their own extra.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiogram import Bot
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import InviteLink, User, utcnow
from lucien.jobs.limiter import BudgetExhausted
from lucien.runtime import Runtime
from lucien.telegram.errors import invite_link_gone

if TYPE_CHECKING:
    from lucien.jobs.limiter import Limiter

log = logging.getLogger(__name__)

LINK_TTL = timedelta(hours=24)
#: A link that would expire within this margin is replaced rather than handed out.
REUSE_MARGIN = timedelta(minutes=5)
NAME_LIMIT = 32


@dataclass(frozen=True)
class PersonalLink:
    id: int
    link: str
    expires_at: datetime
    created: bool


def link_name(full_name: str) -> str | None:
    """The member's name cut to Telegram's 32 characters (counted in UTF-16 units)."""
    name = " ".join(full_name.split())
    while len(name.encode("utf-16-le")) // 2 > NAME_LIMIT:
        name = name[:-1]
    return name.strip() or None


async def _open_links(session: AsyncSession, user_id: int, chat_id: int | None) -> list[InviteLink]:
    stmt = (
        select(InviteLink)
        .where(
            InviteLink.user_id == user_id,
            InviteLink.used_at.is_(None),
            InviteLink.revoked_at.is_(None),
        )
        .order_by(InviteLink.id)
        .execution_options(populate_existing=True)
    )
    if chat_id is not None:
        stmt = stmt.where(InviteLink.chat_id == chat_id)
    return list((await session.execute(stmt)).scalars())


async def open_links(
    runtime: Runtime, user_id: int, chat_id: int | None = None
) -> list[InviteLink]:
    async with runtime.sessions.begin() as session:
        return await _open_links(session, user_id, chat_id)


async def revoke_links(
    runtime: Runtime,
    links: list[InviteLink],
    *,
    bot: Bot | None = None,
    now: datetime | None = None,
    limiter: Limiter | None = None,
) -> tuple[int, list[str]]:
    """Revoke each link in Telegram, then mark it; returns (revoked, errors)."""
    tg = bot or runtime.bot
    revoked, errors = 0, []
    for item in links:
        try:
            if limiter is not None:
                await limiter.run(
                    lambda i=item: tg.revoke_chat_invite_link(i.chat_id, i.link)  # type: ignore[misc]
                )
            else:
                await tg.revoke_chat_invite_link(item.chat_id, item.link)
        except BudgetExhausted:
            raise
        except Exception as exc:
            if not invite_link_gone(exc):
                log.warning("could not revoke invite link %s: %s", item.id, exc)
                errors.append(f"link {item.id}: {exc}")
                continue
        async with runtime.sessions.begin() as session:
            await session.execute(
                update(InviteLink)
                .where(InviteLink.id == item.id, InviteLink.revoked_at.is_(None))
                .values(revoked_at=now or utcnow())
            )
        revoked += 1
    return revoked, errors


async def revoke_open_links(
    runtime: Runtime,
    user_id: int,
    chat_id: int | None = None,
    *,
    bot: Bot | None = None,
    now: datetime | None = None,
    limiter: Limiter | None = None,
) -> tuple[int, list[str]]:
    return await revoke_links(
        runtime, await open_links(runtime, user_id, chat_id), bot=bot, now=now, limiter=limiter
    )


async def personal_link(
    runtime: Runtime,
    *,
    user_id: int,
    full_name: str,
    chat_id: int,
    subscription_id: int | None,
    now: datetime | None = None,
) -> PersonalLink:
    """The member's valid link to ``chat_id``, creating (and replacing) it when needed."""
    now = now or utcnow()
    links = await open_links(runtime, user_id, chat_id)
    valid = [item for item in links if item.expires_at > now + REUSE_MARGIN]
    stale = [item for item in links if item.expires_at <= now + REUSE_MARGIN]
    if stale:
        await revoke_links(runtime, stale, now=now)
    if valid:
        first = valid[0]
        return PersonalLink(first.id, first.link, first.expires_at, created=False)

    expires_at = (now + LINK_TTL).replace(microsecond=0)
    created = await runtime.bot.create_chat_invite_link(
        chat_id=chat_id,
        name=link_name(full_name),
        expire_date=int(expires_at.timestamp()),
        member_limit=1,
    )
    async with runtime.sessions.begin() as session:
        # Serialise with other requests of this member (FOR UPDATE on PostgreSQL; SQLite's
        # BEGIN IMMEDIATE already does): whoever stores first is kept, the others revoke.
        await session.execute(select(User.id).where(User.id == user_id).with_for_update())
        current = [
            item
            for item in await _open_links(session, user_id, chat_id)
            if item.expires_at > now + REUSE_MARGIN
        ]
        if not current:
            new_id = (
                await session.execute(
                    insert(InviteLink)
                    .values(
                        user_id=user_id,
                        subscription_id=subscription_id,
                        chat_id=chat_id,
                        link=created.invite_link,
                        created_at=now,
                        expires_at=expires_at,
                    )
                    .returning(InviteLink.id)
                )
            ).scalar_one()
    if not current:
        return PersonalLink(new_id, created.invite_link, expires_at, created=True)
    # Another request of this member stored one first: keep theirs, revoke ours.
    keeper = current[0]
    try:
        await runtime.bot.revoke_chat_invite_link(chat_id, created.invite_link)
    except Exception as exc:
        if not invite_link_gone(exc):
            log.warning("could not revoke a duplicate personal link: %s", exc)
    return PersonalLink(keeper.id, keeper.link, keeper.expires_at, created=False)


async def mark_used(
    session: AsyncSession, link: str, user_id: int, now: datetime | None = None
) -> InviteLink | None:
    """Mark the link a member joined with; None when it is not one of ours for them."""
    row = (
        await session.execute(
            update(InviteLink)
            .where(
                InviteLink.link == link, InviteLink.user_id == user_id, InviteLink.used_at.is_(None)
            )
            .values(used_at=now or utcnow())
            .returning(InviteLink.id)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return await session.get(InviteLink, row, populate_existing=True)
