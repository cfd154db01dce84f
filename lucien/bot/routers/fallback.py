"""Last router: whatever nobody handled gets a polite answer and changes nothing.

Forged, stale or unauthorised callback data lands here (admin filters refuse non-admins,
VIP filters refuse non-VIPs, unparsable data matches no factory).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from lucien.access.roles import Role
from lucien.bot.filters import PRIVATE_MESSAGE
from lucien.bot.ui import answer, reply
from lucien.callbacks import AdminCB, IssueCB, VipCB
from lucien.voice import Voice


async def on_admin_callback(query: CallbackQuery, voice: Voice) -> None:
    await answer(query, voice.common.not_authorized())


async def on_vip_callback(query: CallbackQuery, voice: Voice) -> None:
    await answer(query, voice.common.vip_only())


async def on_any_callback(query: CallbackQuery, voice: Voice) -> None:
    await answer(query, voice.common.stale())


async def on_message(message: Message, voice: Voice, role: Role) -> None:
    await reply(message, voice.common.unknown_input())


def build() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(on_admin_callback, AdminCB.filter())
    router.callback_query.register(on_admin_callback, IssueCB.filter())
    router.callback_query.register(on_vip_callback, VipCB.filter())
    router.callback_query.register(on_any_callback)
    router.message.register(on_message, PRIVATE_MESSAGE)
    return router
