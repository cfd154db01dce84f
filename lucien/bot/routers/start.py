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

from lucien.access.roles import Role
from lucien.bot.filters import PRIVATE_MESSAGE
from lucien.bot.routers.members.ui import admin_home, menu_for
from lucien.bot.ui import open_screen, reply
from lucien.bot.visit import Visit
from lucien.callbacks import HomeCB
from lucien.voice import Voice


async def on_start(message: Message, visit: Visit) -> None:
    first_visit = visit.user.first_seen_at == visit.user.last_seen_at
    await reply(message, await menu_for(visit, first_visit=first_visit))


async def on_help(message: Message, role: Role, voice: Voice) -> None:
    await reply(message, voice.common.help(role))


async def on_cancel(message: Message, state: FSMContext, voice: Voice) -> None:
    if await state.get_state() is None and not await state.get_data():
        await reply(message, voice.common.nothing_to_cancel())
        return
    await state.clear()
    await reply(message, voice.common.cancelled())


async def on_admin(message: Message, state: FSMContext, visit: Visit) -> None:
    if visit.role is not Role.ADMIN:
        await reply(message, visit.voice.common.not_authorized_message())
        return
    await state.clear()  # opening the panel anew leaves any half-done wizard
    await reply(message, await admin_home(visit.runtime, visit.user, visit.config, visit.voice))


async def on_home(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(query, await menu_for(visit))


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
