"""Router filters shared by every router.

The role comes from the context middleware, derived when the update is handled; a filter
never trusts anything the update carries (callback data included): an admin button pressed
by someone who is not an admin fails :data:`ADMIN` before any of these are consulted.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import Message, TelegramObject

from lucien.access.roles import Role
from lucien.callbacks import AdminAction, AdminCB, AdminSection


class RoleIs(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, role: Role | None = None, **_: Any) -> bool:
        return role in self.roles


ADMIN = RoleIs(Role.ADMIN)
VIP = RoleIs(Role.VIP)
FREE = RoleIs(Role.FREE)


def admin(section: AdminSection, *actions: AdminAction) -> CallbackQueryFilter:
    """An admin button of ``section`` whose action is one of ``actions`` (any when none).

    One handler per action, picked by the router: an action nobody registered falls to the
    panel's last handler, which says the button is no longer available.
    """
    rule = F.section == section
    if actions:
        rule = rule & F.action.in_(set(actions))
    return AdminCB.filter(rule)


def not_a_command(message: Message) -> bool:
    """A wizard's answer is anything but a ``/command``: ``/cancel`` (which leaves any
    wizard), ``/start``, ``/admin`` and the rest are answered by the start router."""
    return not (message.text or "").startswith("/")


#: Conversations happen in private chats only: a menu or an admin screen (names, ids,
#: invitations) must never be answered into a group, nor a press in one obeyed.
PRIVATE_MESSAGE = F.chat.type == "private"
PRIVATE_PRESS = F.message.chat.type == "private"
