"""The Vestíbulo's way in: the Free channel's invite link, created when nobody set one.

Every approval message carries a button to the channel. When the creator has not given
Lucien a link (admin panel → Jardín Free → Enlace), Lucien makes one itself: a
join-request link, so a forwarded copy still goes through the wait and the approval. It is
created with no transaction open, then stored only if the column is still empty (one
conditional update), so approvals handled at the same time keep one link, the first one
stored, and revoke their own extra.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram.types import ChatInviteLink
from sqlalchemy import select, update

from lucien.access.config import CONFIG_ID
from lucien.db.models import BotConfig, utcnow
from lucien.runtime import Runtime
from lucien.telegram.limiter import BudgetExhausted, Interrupted
from lucien.voice.providers.words import FREE_LINK_NAME

log = logging.getLogger(__name__)

LINK_NAME = FREE_LINK_NAME

Create = Callable[[], Awaitable[ChatInviteLink]]


async def stored_link(runtime: Runtime) -> str | None:
    async with runtime.sessions() as session:
        return await session.scalar(
            select(BotConfig.free_invite_link).where(BotConfig.id == CONFIG_ID)
        )


async def free_way_in(
    runtime: Runtime, chat_id: int, *, known: str | None = None, create: Create | None = None
) -> str | None:
    """The link to show with an approval; ``None`` only if Telegram refuses to make one."""
    if known:
        return known
    current = await stored_link(runtime)
    if current:
        return current
    make = create or (
        lambda: runtime.bot.create_chat_invite_link(
            chat_id, name=LINK_NAME, creates_join_request=True
        )
    )
    try:
        created = await make()
    except (BudgetExhausted, Interrupted):
        raise
    except Exception as exc:  # best effort: the approval itself already happened
        log.warning("no Free invite link for %s: %s", chat_id, exc)
        return None
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(BotConfig)
            .where(BotConfig.id == CONFIG_ID, BotConfig.free_invite_link.is_(None))
            .values(free_invite_link=created.invite_link, updated_at=utcnow())
        )
    kept = await stored_link(runtime)
    if kept != created.invite_link:
        try:
            await runtime.bot.revoke_chat_invite_link(chat_id, created.invite_link)
        except Exception as exc:  # a join-request link left over is harmless
            log.info("extra Free link %s not revoked: %s", created.invite_link, exc)
    return kept
