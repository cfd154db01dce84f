"""Admin panel: ``/admin``, the admin main menu and the summary (dashboard).

Also the small helpers every admin section uses to show a screen: a button press edits
its message in place (``show``); a typed answer gets a new message (``reply``).

``admin_home_message(runtime, voice, user)`` is the admin greeting with the main menu and
what waits for attention (interests, Free requests, the summary's warnings), for ``/admin``
and ``/start`` as admin. The start router is consulted first and answers ``/admin`` itself
today; the handler here keeps ``/admin`` working should it stop doing so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from lucien.bot.callbacks import AdminAction, AdminCB, AdminSection
from lucien.db.models import User
from lucien.runtime import Runtime
from lucien.services import dashboard
from lucien.voice import Voice
from lucien.voice.message import Alert
from lucien.voice.message import Message as VoiceMessage

log = logging.getLogger(__name__)


# -- helpers shared by the admin sections ---------------------------------------------------


async def show(query: CallbackQuery, shown: VoiceMessage | Sequence[VoiceMessage]) -> None:
    """Edit the pressed message in place (send anew when it cannot be edited).

    A list (a batch too long for one message) edits with the first and sends the rest.
    """
    messages = [shown] if isinstance(shown, VoiceMessage) else list(shown)
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
            if "not modified" in str(exc.message).lower():
                edited = True
            else:
                log.info("could not edit an admin screen: %s", exc.message)
    bot = query.bot
    assert bot is not None
    for item in ([] if edited else [first]) + rest:
        await bot.send_message(query.from_user.id, **item.as_send_kwargs())


async def reply(message: Message, shown: VoiceMessage | Sequence[VoiceMessage]) -> None:
    """Answer a typed message with one message, or several in order."""
    for item in [shown] if isinstance(shown, VoiceMessage) else list(shown):
        await message.answer(**item.as_send_kwargs())


async def answer(query: CallbackQuery, alert: Alert | None = None) -> None:
    """Always answer the callback query (with a short notice when there is one)."""
    if alert is None:
        await query.answer()
    else:
        await query.answer(**alert.as_answer_kwargs())


# -- the admin home --------------------------------------------------------------------------


async def admin_home_message(runtime: Runtime, voice: Voice, user: User) -> VoiceMessage:
    """The admin greeting with the main menu and what waits for attention (no Telegram
    calls: the channels' rights are checked on the summary screen only)."""
    data = await dashboard.collect(runtime)
    return voice.admin_main.home(
        name=user.first_name,
        interests_pending=data.interests_pending,
        free_pending=data.free_pending,
        warnings=len(data.warnings),
    )


async def on_admin_command(
    message: Message, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    await state.clear()  # opening the panel anew leaves any half-done wizard
    await reply(message, await admin_home_message(runtime, voice, user))


async def on_main(
    query: CallbackQuery, callback_data: AdminCB, voice: Voice, state: FSMContext
) -> None:
    if callback_data.action not in (AdminAction.OPEN, AdminAction.CANCEL):
        await answer(query, voice.common.stale())
        return
    if callback_data.action == AdminAction.CANCEL:
        await state.clear()
    await answer(query)
    await show(query, voice.admin_main.menu_only())


async def on_dashboard(
    query: CallbackQuery, callback_data: AdminCB, voice: Voice, runtime: Runtime
) -> None:
    if callback_data.action != AdminAction.OPEN:
        await answer(query, voice.common.stale())
        return
    data = await dashboard.collect(runtime, check_channels=True)
    await answer(query)
    await show(query, voice.dashboard.dashboard(data=data))


def build() -> Router:
    router = Router(name="admin.home")
    router.message.register(on_admin_command, Command("admin"))
    router.callback_query.register(on_main, AdminCB.filter(F.section == AdminSection.MAIN))
    router.callback_query.register(
        on_dashboard, AdminCB.filter(F.section == AdminSection.DASHBOARD)
    )
    return router
