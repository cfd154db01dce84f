"""Updates about the two channels: who enters the VIP channel, who asks to join the Free one.

Only the configured channels are acted on; anything else is ignored (a join request for
another chat is left alone, never declined). These handlers load the configuration
themselves: a ``chat_member`` update caused by the bot itself (its own ban) carries the
bot as its sender, and then the context middleware provides no user context.
"""

from __future__ import annotations

import logging
from datetime import UTC

from aiogram import Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ChatJoinRequest, ChatMemberUpdated
from aiogram.types import User as TgUser

from lucien.access.config import stored_config
from lucien.access.join_requests import pending_request, record_request
from lucien.access.membership import JoinKind, handle_vip_join, is_join
from lucien.access.users import TelegramIdentity, mark_unreachable, touch_user
from lucien.db.models import utcnow
from lucien.db.records import from_attributes
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.data import SocialLinks, UserCard
from lucien.voice.message import Message as VoiceMessage

log = logging.getLogger(__name__)


async def _dm(runtime: Runtime, chat_id: int, message: VoiceMessage, user_id: int) -> bool:
    """Best effort: a 403 marks the person unreachable, other refusals are logged."""
    try:
        await runtime.bot.send_message(chat_id, **message.as_send_kwargs())
        return True
    except TelegramForbiddenError:
        async with runtime.sessions.begin() as session:
            await mark_unreachable(session, user_id)
    except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter):
        raise  # the update fails and Telegram delivers it again
    except TelegramAPIError as exc:
        log.warning("message to %s refused: %s", chat_id, exc)
    return False


def _card(user: TgUser) -> UserCard:
    return UserCard(
        id=user.id, first_name=user.first_name, last_name=user.last_name, username=user.username
    )


async def on_chat_member(event: ChatMemberUpdated, runtime: Runtime) -> None:
    config = await stored_config(runtime)
    if config.vip_channel_id is None or event.chat.id != config.vip_channel_id:
        return
    old, new = event.old_chat_member, event.new_chat_member
    if not is_join(
        old.status, new.status, getattr(old, "is_member", None), getattr(new, "is_member", None)
    ):
        return
    member = new.user
    if member.is_bot:
        return
    async with runtime.sessions.begin() as session:
        await touch_user(session, _identity(member))
    outcome = await handle_vip_join(
        runtime,
        chat_id=event.chat.id,
        user_id=member.id,
        new_status=str(new.status),
        invite_link=event.invite_link.invite_link if event.invite_link else None,
        notify_admins=config.notify_unauthorized_joins,
    )
    voice = Voice(history=None, user_id=None, tz=config.timezone)
    if outcome.kind is JoinKind.MEMBER:
        await _dm(runtime, member.id, voice.ritual.joined(name=member.first_name), member.id)
    elif outcome.kind is JoinKind.REMOVED:
        await _dm(runtime, member.id, voice.expiry.intruder(), member.id)
        notice = voice.expiry.unauthorized_join(user=_card(member), removed=True)
        for admin_id in outcome.notify:
            await _dm(runtime, admin_id, notice, admin_id)
    elif outcome.kind is JoinKind.KEPT:  # the ban was refused: the admins must act
        notice = voice.expiry.unauthorized_join(user=_card(member), removed=False)
        for admin_id in outcome.notify:
            await _dm(runtime, admin_id, notice, admin_id)


def _identity(person: TgUser) -> TelegramIdentity:
    """Who Telegram says joined or asked to join, as the users table keeps them."""
    return from_attributes(TelegramIdentity, person)


async def on_join_request(request: ChatJoinRequest, runtime: Runtime) -> None:
    config = await stored_config(runtime)
    if config.free_channel_id is None or request.chat.id != config.free_channel_id:
        return  # not ours: left alone, never declined
    requester = request.from_user
    asked_at = request.date.astimezone(UTC) if request.date else utcnow()
    async with runtime.sessions.begin() as session:
        await touch_user(session, _identity(requester))
        inserted = await record_request(session, requester.id, request.chat.id, asked_at)
        pending = await pending_request(session, requester.id, request.chat.id)
    # A redelivery of the very request that created the row is still "new".
    new = inserted or (pending is not None and pending.requested_at == asked_at)
    voice = Voice(history=None, user_id=None, tz=config.timezone)
    if new:
        message = voice.flows.free_welcome(
            name=requester.first_name,
            wait_minutes=config.free_wait_minutes,
            social=SocialLinks(
                instagram=config.instagram_url, tiktok=config.tiktok_url, x=config.x_url
            ),
        )
    else:
        waited = (utcnow() - pending.requested_at).total_seconds() / 60 if pending else 0
        message = voice.flows.free_request_repeated(
            minutes_left=max(0, round(config.free_wait_minutes - waited))
        )
    await _dm(runtime, request.user_chat_id or requester.id, message, requester.id)


def build() -> Router:
    router = Router(name="channels")
    router.chat_member.register(on_chat_member)
    router.chat_join_request.register(on_join_request)
    return router
