"""Taking someone out of a channel: the one way it is done.

Ban, then unban with ``only_if_banned`` — the person is out, and a future invitation or
join request still works. "Not a member" counts as done; "the owner or an administrator of
the channel" can never be done and is said, not retried. Used by the cron at a period's end
(paced by its limiter: ``call``) and by the panel's "remove from the channels".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from lucien.telegram.errors import description, member_already_gone, member_cannot_be_removed

T = TypeVar("T")
Call = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


async def _direct(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


async def remove_member(
    bot: Bot,
    chat_id: int,
    user_id: int,
    *,
    call: Call = _direct,
    before_ban: Callable[[], Awaitable[None]] | None = None,
) -> str | None:
    """Take ``user_id`` out of ``chat_id``. None when they are out (or were never in);
    Telegram's reason when they can never be removed. Any other failure is raised for
    the caller to retry. ``before_ban`` runs just before the ban, inside ``call`` (the
    cron's last look at whether the period is still due); what it raises propagates."""

    async def ban() -> object:
        if before_ban is not None:
            await before_ban()
        return await bot.ban_chat_member(chat_id, user_id)

    try:
        await call(ban)
    except TelegramAPIError as exc:
        if member_cannot_be_removed(exc):
            return description(exc)
        if not member_already_gone(exc):
            raise
    try:
        await call(lambda: bot.unban_chat_member(chat_id, user_id, only_if_banned=True))
    except TelegramAPIError as exc:
        if not member_already_gone(exc):
            raise
    return None
