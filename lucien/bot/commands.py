"""The command menu Telegram shows, per role (``setMyCommands`` with scopes).

Members and visitors get the default scope (start, menu, help, cancel); each custodian
(``ADMIN_USER_IDS`` and the owner's active grants) gets a chat scope of their own with
``/admin`` as well. Called by ``lucien set-webhook`` at deploy time; call it again after
granting or revoking an admin so their menu follows.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from lucien.access.config import get_config
from lucien.access.roles import admin_ids
from lucien.runtime import Runtime
from lucien.voice import Voice

log = logging.getLogger(__name__)


def _commands(voice: Voice, role: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=description)
        for name, description in voice.common.commands(role)  # type: ignore[arg-type]
    ]


async def register_commands(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        config = await get_config(session)
        admins = await admin_ids(session, runtime.settings)
    voice = Voice(history=None, user_id=None, tz=config.timezone)
    bot = runtime.bot
    await bot.set_my_commands(_commands(voice, "free"), scope=BotCommandScopeDefault())
    admin_commands = _commands(voice, "admin")
    for admin_id in admins:
        try:
            await bot.set_my_commands(admin_commands, scope=BotCommandScopeChat(chat_id=admin_id))
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            # A custodian who never opened the chat has no chat to scope yet.
            log.warning("commands for custodian %s not set: %s", admin_id, exc.message)


async def register_admin_commands(runtime: Runtime, user_id: int, *, admin: bool) -> None:
    """After a grant (``admin=True``) or a revocation: that chat's own menu."""
    bot = runtime.bot
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        if admin:
            async with runtime.sessions.begin() as session:
                config = await get_config(session)
            voice = Voice(history=None, user_id=None, tz=config.timezone)
            await bot.set_my_commands(_commands(voice, "admin"), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        log.warning("commands for %s not updated: %s", user_id, exc.message)
