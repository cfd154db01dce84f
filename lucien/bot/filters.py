"""Router filters per audience.

The role comes from the context middleware, derived when the update is handled; a filter
never trusts anything the update carries (callback data included).
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from lucien.services.roles import Role


class RoleIs(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, role: Role | None = None, **_: Any) -> bool:
        return role in self.roles


class IsOwner(Filter):
    """Only the first id of ADMIN_USER_IDS (grants and revocations of admins)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        user = data.get("event_from_user")
        runtime = data.get("runtime")
        return bool(user and runtime and user.id == runtime.settings.owner_id)


ADMIN = RoleIs(Role.ADMIN)
VIP = RoleIs(Role.VIP)
FREE = RoleIs(Role.FREE)
