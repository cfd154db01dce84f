"""``/start``, ``/menu``, ``/help``, ``/cancel``, ``/admin`` and "back to my menu".

The context middleware has already created or refreshed the user and derived the role.
``/start <token>`` and a ritual in progress are answered earlier by the ritual router; what
reaches here is the plain greeting: the admin home, the VIP menu or the Free menu.
This router is consulted before the admin panel's, so ``/cancel`` always leaves a wizard
(a wizard step never mistakes it for its answer).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from lucien.bot.callbacks import HomeCB
from lucien.bot.filters import PRIVATE_MESSAGE
from lucien.bot.routers.members.ui import admin_home, menu_for
from lucien.bot.ui import show
from lucien.db.models import BotConfig, User
from lucien.runtime import Runtime
from lucien.services.roles import Role
from lucien.voice import Voice


async def on_start(
    message: Message,
    runtime: Runtime,
    user: User,
    role: Role,
    config: BotConfig,
    voice: Voice,
) -> None:
    first_visit = user.first_seen_at == user.last_seen_at
    shown = await menu_for(runtime, user, role, config, voice, first_visit=first_visit)
    await message.answer(**shown.as_send_kwargs())


async def on_help(message: Message, role: Role, voice: Voice) -> None:
    await message.answer(**voice.common.help(role.value).as_send_kwargs())


async def on_cancel(message: Message, state: FSMContext, voice: Voice) -> None:
    if await state.get_state() is None and not await state.get_data():
        await message.answer(**voice.common.nothing_to_cancel().as_send_kwargs())
        return
    await state.clear()
    await message.answer(**voice.common.cancelled().as_send_kwargs())


async def on_admin(
    message: Message,
    state: FSMContext,
    runtime: Runtime,
    user: User,
    role: Role,
    config: BotConfig,
    voice: Voice,
) -> None:
    if role is not Role.ADMIN:
        await message.answer(**voice.common.not_authorized_message().as_send_kwargs())
        return
    await state.clear()  # opening the panel anew leaves any half-done wizard
    shown = await admin_home(runtime, user, config, voice)
    await message.answer(**shown.as_send_kwargs())


async def on_home(
    query: CallbackQuery,
    runtime: Runtime,
    user: User,
    role: Role,
    config: BotConfig,
    voice: Voice,
) -> None:
    await query.answer()
    await show(query, await menu_for(runtime, user, role, config, voice))


def build() -> Router:
    router = Router(name="start")
    # /start and /admin show the admin home to admins: never into a group.
    router.message.filter(PRIVATE_MESSAGE)
    router.message.register(on_start, CommandStart())
    router.message.register(on_start, Command("menu"))
    router.message.register(on_help, Command("help"))
    router.message.register(on_cancel, Command("cancel"))
    router.message.register(on_admin, Command("admin"))
    router.callback_query.register(on_home, HomeCB.filter())
    return router
