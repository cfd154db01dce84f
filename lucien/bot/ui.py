"""How a handler puts a voice message on screen: the one place for Telegram's quirks.

Navigation edits the pressed message in place; when it can no longer be edited (too old,
deleted, a media message) the screen is sent anew. "Message is not modified" is not a
failure: the screen already shows what was asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from lucien.voice import Alert, Voice
from lucien.voice.message import Message as VoiceMessage

log = logging.getLogger(__name__)

Shown = VoiceMessage | Sequence[VoiceMessage]


def not_modified(exc: TelegramBadRequest) -> bool:
    return "not modified" in str(exc.message).lower()


def _as_list(shown: Shown) -> list[VoiceMessage]:
    return [shown] if isinstance(shown, VoiceMessage) else list(shown)


async def show(query: CallbackQuery, shown: Shown) -> None:
    """Edit the pressed message in place (send anew when it cannot be edited).

    A list (a batch too long for one message) edits with the first and sends the rest.
    """
    messages = _as_list(shown)
    if not messages:
        return
    first, rest = messages[0], messages[1:]
    target = query.message
    edited = False
    if isinstance(target, Message):
        try:
            await target.edit_text(**first.as_edit_kwargs())
            edited = True
        except TelegramBadRequest as exc:
            if not_modified(exc):
                edited = True
            else:
                log.info("could not edit message %s: %s", target.message_id, exc.message)
    bot = query.bot
    assert bot is not None
    for item in ([] if edited else [first]) + rest:
        await bot.send_message(query.from_user.id, **item.as_send_kwargs())


async def reply(message: Message, shown: Shown) -> None:
    """Answer a typed message with one message, or several in order."""
    for item in _as_list(shown):
        await message.answer(**item.as_send_kwargs())


async def answer(query: CallbackQuery, alert: Alert | None = None) -> None:
    """Always answer the callback query (with a short notice when there is one)."""
    if alert is None:
        await query.answer()
    else:
        await query.answer(**alert.as_answer_kwargs())


async def open_screen(
    query: CallbackQuery, shown: Shown, *, state: FSMContext | None = None
) -> None:
    """A button that leads to a screen: leave any wizard (given its ``state``), answer the
    press quietly, then show the screen in place."""
    if state is not None:
        await state.clear()
    await answer(query)
    await show(query, shown)


async def on_stale(query: CallbackQuery, voice: Voice) -> None:
    """The last handler of a menu's buttons: one nobody handles (old, forged, from another
    version) is answered "no longer available" and changes nothing."""
    await answer(query, voice.common.stale())
