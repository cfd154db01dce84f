"""Router filters shared by every router.

The role comes from the context middleware, derived when the update is handled; a filter
never trusts anything the update carries (callback data included): an admin button pressed
by someone who is not an admin fails :data:`ADMIN` before any of these are consulted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from aiogram import F, Router
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


def admin(
    section: AdminSection, *actions: AdminAction, arg_in: Collection[str] = ()
) -> CallbackQueryFilter:
    """An admin button of ``section`` whose action is one of ``actions`` (any when none) and,
    given ``arg_in``, whose argument is one of those (a filter, a field, a channel kind).

    One handler per action, picked by the router: an action nobody registered, or an
    argument the handler does not take, falls to the panel's last handler, which says the
    button is no longer available.
    """
    rule = F.section == section
    if actions:
        rule = rule & F.action.in_(set(actions))
    if arg_in:
        rule = rule & F.arg.in_(set(arg_in))
    return AdminCB.filter(rule)


H = TypeVar("H", bound=Callable[..., Any])


class Presses:
    """One admin section's button handlers, each declared where it is defined::

        at_notes = Presses(S.NOTES)

        @at_notes.on(A.OPEN, A.LIST)
        async def on_list(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None: ...

    and registered on the section's router by ``at_notes.register(router)`` in ``build()``
    (a fresh router each time: a router joins one dispatcher, and tests build many). Each
    action of a section belongs to one handler, so the order of registration never decides
    which handler a button reaches.
    """

    def __init__(self, section: AdminSection) -> None:
        self.section = section
        self._declared: list[tuple[Callable[..., Any], CallbackQueryFilter]] = []

    def on(self, *actions: AdminAction, arg_in: Collection[str] = ()) -> Callable[[H], H]:
        """Declare the handler of ``actions`` (and, given ``arg_in``, of those arguments)."""
        rule = admin(self.section, *actions, arg_in=arg_in)

        def declare(handler: H) -> H:
            self._declared.append((handler, rule))
            return handler

        return declare

    def register(self, router: Router) -> None:
        for handler, rule in self._declared:
            router.callback_query.register(handler, rule)


def not_a_command(message: Message) -> bool:
    """A wizard's answer is anything but a ``/command``: ``/cancel`` (which leaves any
    wizard), ``/start``, ``/admin`` and the rest are answered by the start router."""
    return not (message.text or "").startswith("/")


#: Conversations happen in private chats only: a menu or an admin screen (names, ids,
#: invitations) must never be answered into a group, nor a press in one obeyed.
PRIVATE_MESSAGE = F.chat.type == "private"
PRIVATE_PRESS = F.message.chat.type == "private"
