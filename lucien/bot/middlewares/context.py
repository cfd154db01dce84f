"""Per-update context: who is speaking, with which role, and in whose voice.

Runs as an outer middleware on every update that has a user. In one short transaction it
creates or refreshes the user, derives the role and reads the configuration; then it hands
the handler a ``Voice`` whose variant memory is loaded once and saved once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from lucien.bot.voice_history import variant_history_for
from lucien.ledger import check_done_mark, done_mark_pending
from lucien.runtime import Runtime
from lucien.services.config import get_config
from lucien.services.roles import Role, derive_role
from lucien.services.users import TelegramIdentity, claim_blocked_notice, touch_user
from lucien.voice import DatabaseVariantHistory, Voice

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _private(data: dict[str, Any]) -> bool:
    chat = data.get("event_chat")
    return chat is not None and chat.type == "private"


class ContextMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        runtime: Runtime = data["runtime"]
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            if done_mark_pending():
                async with runtime.sessions() as session:
                    await check_done_mark(session)
            return await handler(event, data)

        # A chat_member update is about the VIP channel's door, not a conversation: a
        # blocked person who slips in must still be removed, so it is never ignored.
        door = getattr(event, "chat_member", None) is not None
        async with runtime.sessions.begin() as session:
            # The ledger's question rides on this transaction (see lucien.ledger).
            await check_done_mark(session)
            user = await touch_user(
                session,
                TelegramIdentity(
                    id=tg_user.id,
                    first_name=tg_user.first_name,
                    last_name=tg_user.last_name,
                    username=tg_user.username,
                    language_code=tg_user.language_code,
                ),
                reachable=_private(data),
            )
            role = await derive_role(session, runtime.settings, tg_user.id)
            config = await get_config(session)
            history = variant_history_for(runtime)
            recent = (
                await history.load_in(session, tg_user.id)
                if isinstance(history, DatabaseVariantHistory)
                else None
            )
            blocked_notice = (
                user.is_blocked
                and role is not Role.ADMIN
                and not door
                and await claim_blocked_notice(session, tg_user.id)
            )

        voice = Voice(history=history, user_id=tg_user.id, tz=config.timezone)
        if recent is not None:
            voice.preload(recent)
        if user.is_blocked and role is not Role.ADMIN and not door:
            if blocked_notice and data.get("event_chat") is not None:
                await runtime.bot.send_message(
                    tg_user.id, **voice.common.blocked_notice().as_send_kwargs()
                )
            return None

        await voice.load()
        data.update(user=user, role=role, config=config, voice=voice)
        result = await handler(event, data)
        await voice.save()
        return result
