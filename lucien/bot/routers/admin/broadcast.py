"""Admin panel · broadcast: a post to the VIP or the Free channel, previewed first.

1. ``open`` → choose the channel (only configured ones are offered); ``to`` (arg vip|free)
   → ``target_missing`` when that channel is not configured, else ask for the content.
2. The admin sends the post: text, photo, video, document, animation, audio or voice note,
   with its formatting. Other kinds (stickers, polls, locations…) are refused with
   ``broadcast.unsupported`` and the step stays. (Albums are not grouped: each item
   would be a draft of its own, the last one wins.) The draft — the admin's chat id and
   message id — is kept in the FSM, so the preview and the confirmation can arrive in
   separate requests. The preview is ``copyMessage`` back to the admin's own chat: exactly
   what the channel will get. Sending another message replaces the draft.
3. ``send`` → ``copyMessage(channel, from_chat_id=admin chat, message_id)`` (formatting and
   media kept by Telegram), claimed once so a double tap never posts twice, audited.
   ``cancel`` (or ``/cancel``) drops the draft; nothing is posted.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.access.config import stored_config
from lucien.bot.filters import Presses, not_a_command
from lucien.bot.ui import answer, open_screen, reply
from lucien.bot.visit import Visit
from lucien.bot.wizard import ask, kept
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.db.models import BotConfig
from lucien.journal import once
from lucien.runtime import Runtime
from lucien.services import broadcast as svc
from lucien.voice.data import ChannelKind

log = logging.getLogger(__name__)

#: Message kinds copied to a channel (``Message.content_type``).
SUPPORTED = frozenset({"text", "photo", "video", "document", "animation", "audio", "voice"})
TARGETS: tuple[ChannelKind, ...] = ("vip", "free")


class BroadcastWizard(StatesGroup):
    content = State()
    confirm = State()


at_broadcast = Presses(S.BROADCAST)


def _channel(config: BotConfig, target: str) -> int | None:
    value = config.vip_channel_id if target == "vip" else config.free_channel_id
    return int(value) if value is not None else None


async def _leave_wizard(state: FSMContext) -> None:
    current = await state.get_state()
    if current is not None and current in BroadcastWizard.__state_names__:
        await state.clear()


# ----------------------------------------------------------------------------- buttons


@at_broadcast.on(A.OPEN)
async def on_open(query: CallbackQuery, visit: Visit) -> None:
    await _leave_wizard(visit.state)
    config = await stored_config(visit.runtime)
    msg = visit.voice.broadcast.choose(
        vip_ready=config.vip_channel_id is not None,
        free_ready=config.free_channel_id is not None,
    )
    await open_screen(query, msg)


@at_broadcast.on(A.TARGET)
async def on_target(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    target = callback_data.arg
    if target not in TARGETS:
        await answer(query, visit.voice.common.stale())
        return
    if _channel(await stored_config(visit.runtime), target) is None:
        await open_screen(query, visit.voice.broadcast.target_missing(target=target))  # type: ignore[arg-type]
        return
    question = visit.voice.broadcast.ask_content(target=target)
    await ask(query, visit, BroadcastWizard.content, question, data={"target": target})


@at_broadcast.on(A.CANCEL)
async def on_cancel(query: CallbackQuery, visit: Visit) -> None:
    await _leave_wizard(visit.state)
    await open_screen(query, visit.voice.broadcast.cancelled())


@at_broadcast.on(A.SEND)
async def on_send(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    data = await visit.state.get_data()
    target = str(data.get("target", ""))
    draft_chat, draft_id = data.get("chat_id"), data.get("message_id")
    if (
        await visit.state.get_state() != BroadcastWizard.confirm.state
        or target not in TARGETS
        or callback_data.arg != target
        or not isinstance(draft_chat, int)
        or not isinstance(draft_id, int)
    ):
        await answer(query, visit.voice.common.stale())
        return
    channel_id = _channel(await stored_config(visit.runtime), target)
    if channel_id is None:
        await open_screen(query, visit.voice.broadcast.target_missing(target=target))  # type: ignore[arg-type]
        return
    key = svc.claim_key(target, draft_chat, draft_id)
    async with visit.runtime.sessions.begin() as session:
        claimed = await once(session, "broadcast.claim", bool, lambda: svc.claim(session, key))
    if not claimed:  # another tap is publishing (or has published) this very draft
        await answer(query, visit.voice.common.working())
        return
    try:
        posted = await visit.runtime.bot.copy_message(
            chat_id=channel_id, from_chat_id=draft_chat, message_id=draft_id
        )
    except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter):
        # The update fails and Telegram delivers it again; the journal hands that attempt
        # this claim, so it publishes (once) without asking anyone to tap again.
        raise
    except TelegramAPIError as exc:
        log.warning("broadcast to %s refused: %s", channel_id, exc)
        await _release(visit.runtime, key)
        await query.answer()
        # A new message: the preview's buttons stay, to publish once the rights are fixed.
        await visit.runtime.bot.send_message(
            query.from_user.id,
            **visit.voice.broadcast.failed(target=target).as_send_kwargs(),  # type: ignore[arg-type]
        )
        return
    async with visit.runtime.sessions.begin() as session:
        await once(
            session,
            "broadcast.record",
            None,
            lambda: svc.record_sent(
                session,
                actor_id=query.from_user.id,
                target=target,
                channel_id=channel_id,
                from_chat_id=draft_chat,
                message_id=draft_id,
                posted_id=posted.message_id,
                kind=str(data.get("kind", "text")),
            ),
        )
    await visit.state.clear()
    await open_screen(query, visit.voice.broadcast.sent(target=target))  # type: ignore[arg-type]


async def _release(runtime: Runtime, key: str) -> None:
    async with runtime.sessions.begin() as session:
        await svc.release(session, key)


# ----------------------------------------------------------------------------- the post


async def on_content(message: Message, visit: Visit) -> None:
    data = await kept(message, visit, "target", TARGETS)
    if data is None:
        return
    target = str(data["target"])
    content_type = message.content_type
    kind = str(getattr(content_type, "value", content_type))  # ContentType is a str Enum
    if kind not in SUPPORTED:
        await reply(message, visit.voice.broadcast.unsupported())
        return
    chat_id = message.chat.id
    await visit.state.set_data(
        {"target": target, "chat_id": chat_id, "message_id": message.message_id, "kind": kind}
    )
    await visit.state.set_state(BroadcastWizard.confirm)
    bot = visit.runtime.bot
    await reply(message, visit.voice.broadcast.preview_header(target=target))  # type: ignore[arg-type]
    await bot.copy_message(chat_id=chat_id, from_chat_id=chat_id, message_id=message.message_id)
    await reply(message, visit.voice.broadcast.confirm(target=target, kind=kind))  # type: ignore[arg-type]


def build() -> Router:
    router = Router(name="admin.broadcast")
    at_broadcast.register(router)
    router.message.register(on_content, StateFilter(BroadcastWizard), not_a_command)
    return router
