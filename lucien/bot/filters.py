"""Router filters per audience.

The role comes from the context middleware, derived when the update is handled; a filter
never trusts anything the update carries (callback data included).
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject

from lucien.services.roles import Role


class RoleIs(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, role: Role | None = None, **_: Any) -> bool:
        return role in self.roles


ADMIN = RoleIs(Role.ADMIN)
VIP = RoleIs(Role.VIP)
FREE = RoleIs(Role.FREE)


#: Conversations happen in private chats only: a menu or an admin screen (names, ids,
#: invitations) must never be answered into a group, nor a press in one obeyed.
PRIVATE_MESSAGE = F.chat.type == "private"
PRIVATE_PRESS = F.message.chat.type == "private"
