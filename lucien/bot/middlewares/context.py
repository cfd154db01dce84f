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

from lucien.access.config import get_config
from lucien.access.roles import Role, role_from_facts
from lucien.access.users import TelegramIdentity, claim_blocked_notice, touch_user_asking
from lucien.bot.storage_journal import JournaledStorage
from lucien.bot.storage_scope import current_storage
from lucien.bot.voice_history import variant_history_for
from lucien.cache import RoleFacts, read_role_facts
from lucien.db.engine import statementwise
from lucien.journal import current_journal
from lucien.ledger import (
    answer_done_mark,
    check_done_mark,
    done_mark_pending,
    done_mark_question,
)
from lucien.runtime import Runtime
from lucien.voice import DatabaseVariantHistory, Voice

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _private(data: dict[str, Any]) -> bool:
    chat = data.get("event_chat")
    return chat is not None and chat.type == "private"


async def _restore_conversation(data: dict[str, Any]) -> None:
    """A redelivery starts from the wizard step its first attempt started from."""
    storage = current_storage()
    if isinstance(storage, JournaledStorage) and storage.has_notes():
        await storage.restore()
        state = data.get("state")
        if state is not None:  # aiogram read it before this middleware ran
            data["raw_state"] = await state.get_state()


def _payment(event: TelegramObject) -> bool:
    """A Stars checkout or payment (``pre_checkout_query`` / ``successful_payment``)."""
    message = getattr(event, "message", None)
    return getattr(event, "pre_checkout_query", None) is not None or (
        message is not None and getattr(message, "successful_payment", None) is not None
    )


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
        # blocked person who slips in must still be removed, so it is never ignored. Nor
        # is a payment: its checkout is refused in words, and charged Stars are recorded.
        door = getattr(event, "chat_member", None) is not None or _payment(event)
        settings = runtime.settings
        cache = runtime.cache()
        cached_config, cached_facts = await cache.lookup(tg_user.id)
        facts = cached_facts
        journal = current_journal()
        async with runtime.sessions.begin() as session:
            # The ledger's question rides on the user's upsert, in this transaction (see
            # lucien.ledger): a done mark found rolls the upsert back with everything else.
            asked = done_mark_question()
            if asked is None:
                # Nothing here must be undone with anything else (no done-mark question
                # to roll the upsert back): on SQLite each statement commits alone and the
                # write lock is held for the upsert only (lucien.db.engine.statementwise).
                await statementwise(session)
            if journal is not None:  # what an earlier attempt of this update did, if any
                await journal.load_in(session)
            user, status = await touch_user_asking(
                session,
                TelegramIdentity(
                    id=tg_user.id,
                    first_name=tg_user.first_name,
                    last_name=tg_user.last_name,
                    username=tg_user.username,
                    language_code=tg_user.language_code,
                ),
                reachable=_private(data),
                question=asked[0] if asked else None,
                params=asked[1] if asked else None,
            )
            answer_done_mark(status)
            if facts is None and tg_user.id not in settings.admin_ids:
                # A row this very statement created has no grants and no periods yet
                # (both reference the user), so there is nothing to ask.
                facts = (
                    RoleFacts(granted_admin=False, vip_until=None)
                    if user.first_seen_at == user.last_seen_at
                    else await read_role_facts(session, tg_user.id)
                )
            role = role_from_facts(settings, tg_user.id, facts)
            config = cached_config or await get_config(session)
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

        await cache.store(
            tg_user.id,
            config if cached_config is None else None,
            facts if cached_facts is None else None,
        )
        await _restore_conversation(data)
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
