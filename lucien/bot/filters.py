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
from aiogram.utils.magic_filter import MagicFilter

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


async def not_a_command(message: Message) -> bool:
    """A wizard's answer is anything but a ``/command``: ``/cancel`` (which leaves any
    wizard), ``/start``, ``/admin`` and the rest are answered by the start router."""
    return not (message.text or "").startswith("/")


class InLoop(Filter):
    """A magic filter (``F.chat.type == "private"``) checked on the event loop.

    aiogram runs every synchronous filter or handler through ``asyncio.to_thread`` — a
    bare ``F`` expression, a ``State`` and a plain function included — so each one costs
    an update a trip to a worker thread and back for an attribute comparison. Every filter
    here is a coroutine instead (``tests/test_dispatcher.py`` checks the whole graph):
    ``InLoop`` for magic filters, aiogram's ``StateFilter`` for wizard states.
    """

    def __init__(self, rule: MagicFilter) -> None:
        self.rule = rule

    async def __call__(self, event: TelegramObject, **_: Any) -> Any:
        return self.rule.resolve(event)


#: Conversations happen in private chats only: a menu or an admin screen (names, ids,
#: invitations) must never be answered into a group, nor a press in one obeyed.
PRIVATE_MESSAGE = InLoop(F.chat.type == "private")
PRIVATE_PRESS = InLoop(F.message.chat.type == "private")
