"""Telling a member something from an admin action: the one way it is done.

The action is already made when the member is told, and a refusal never undoes it: a
member who blocked the bot is marked unreachable, any other refusal is logged. Only
Telegram's refusals are swallowed — a network error or a 5xx fails the update, Telegram
delivers it again and the effects journal sends just this message (the action itself is
not made twice).
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from lucien.access.users import mark_unreachable
from lucien.runtime import Runtime
from lucien.voice.message import Message

log = logging.getLogger(__name__)


async def tell(runtime: Runtime, user_id: int, message: Message) -> None:
    try:
        await runtime.bot.send_message(user_id, **message.as_send_kwargs())
    except TelegramForbiddenError:
        async with runtime.sessions.begin() as session:
            await mark_unreachable(session, user_id)
    except TelegramBadRequest as exc:
        log.info("could not tell member %s (%s): %s", user_id, message.key, exc)
