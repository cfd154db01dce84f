"""``/start`` and ``/menu``: register or refresh the user and greet them by role."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from lucien.db.models import User
from lucien.services.roles import Role
from lucien.voice import Voice


async def on_start(message: Message, user: User, role: Role, voice: Voice) -> None:
    await message.answer(**voice.start.greeting(name=user.first_name, role=role.value).as_send_kwargs())


def build() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.message.register(on_start, Command("menu"))
    return router
