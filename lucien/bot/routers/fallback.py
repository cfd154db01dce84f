"""Last router: whatever nobody handled gets a polite answer and changes nothing.

Forged, stale or unauthorised callback data lands here (admin filters refuse non-admins,
VIP filters refuse non-VIPs, unparsable data matches no factory).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from lucien.access.roles import Role
from lucien.callbacks import AdminCB, VipCB
from lucien.voice import Voice


async def on_admin_callback(query: CallbackQuery, voice: Voice) -> None:
    await query.answer(**voice.common.not_authorized().as_answer_kwargs())


async def on_vip_callback(query: CallbackQuery, voice: Voice) -> None:
    await query.answer(**voice.common.vip_only().as_answer_kwargs())


async def on_any_callback(query: CallbackQuery, voice: Voice) -> None:
    await query.answer(**voice.common.stale().as_answer_kwargs())


async def on_message(message: Message, voice: Voice, role: Role) -> None:
    await message.answer(**voice.common.unknown_input().as_send_kwargs())


def build() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(on_admin_callback, AdminCB.filter())
    router.callback_query.register(on_vip_callback, VipCB.filter())
    router.callback_query.register(on_any_callback)
    router.message.register(on_message, F.chat.type == "private")
    return router
