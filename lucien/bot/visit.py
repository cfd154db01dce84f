"""One person's visit — the update's runtime, user, role, configuration, voice and
conversation state — as one object, for the handlers that work with most of it.

The context middleware (:mod:`lucien.bot.middlewares.context`) derives the user, their role,
the configuration and the voice for every update that has a person, and aiogram adds the
FSM ``state``; :class:`VisitMiddleware` (inner, so it runs only for a handler that matched)
hands them over together as ``visit``. A menu is drawn from most of them (the admin home,
the VIP menu or the Free menu by role), and so is "Me interesa"; every admin handler reads
the data, answers in the admin's voice, records the admin as the actor and leaves or moves
the wizard. Listing them in each handler repeated one signature across every router, so
admin handlers take ``(query, callback_data, visit)`` or ``(message, text, visit)``; a
member handler that needs one or two of them still takes just those.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.roles import Role
from lucien.bot.ui import answer, open_screen
from lucien.callbacks import AdminCB
from lucien.db.models import BotConfig, User
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.message import Message as VoiceMessage
from lucien.voice.providers.common import NotFound

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
Read = Callable[[AsyncSession, int], Awaitable[T | None]]
PARTS = ("runtime", "user", "role", "config", "voice", "state")
#: A filtered list screen: made from the filter and the page its button carries.
ListScreen = Callable[[Runtime, Voice, str, int], Awaitable[VoiceMessage]]
Press = Callable[[CallbackQuery, AdminCB, "Visit"], Awaitable[None]]


def named_after(wrapper: F, original: Callable[..., Any]) -> F:
    """``wrapper`` under ``original``'s module and name: the name the operations panel,
    the dead-letter alerts and the profiles know a handler by (``lucien.ops.observe``).
    Not ``functools.wraps``: its ``__wrapped__`` would send aiogram, which reads a
    handler's signature to pass it its data, to ``original``'s parameters."""
    for attribute in ("__module__", "__name__", "__qualname__"):
        setattr(wrapper, attribute, getattr(original, attribute))
    return wrapper


@dataclass(frozen=True, slots=True)
class Visit:
    runtime: Runtime
    user: User
    role: Role
    config: BotConfig
    voice: Voice
    state: FSMContext

    async def named(
        self, query: CallbackQuery, kind: NotFound, read: Read[T], row_id: int
    ) -> T | None:
        """The row a button names (``read`` in a short session), or None after telling the
        person it is gone."""
        async with self.runtime.sessions() as session:
            row = await read(session, row_id)
        if row is None:
            await answer(query, self.voice.common.not_found_alert(kind))
        return row


def card_press(kind: NotFound, read: Read[T]) -> Callable[[Callable[..., Awaitable[None]]], Press]:
    """For the handler of a button that names a row by its id: the row is read
    (:meth:`Visit.named`) before the handler runs, and given to it as ``card``; a row that is
    gone is answered "not found" here and the handler is not called. The handler names what
    it needs of ``query``, ``callback_data``, ``visit`` and ``card``."""

    def wrap(handler: Callable[..., Awaitable[None]]) -> Press:
        wanted = set(inspect.signature(handler).parameters)

        async def press(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
            card = await visit.named(query, kind, read, callback_data.id)
            if card is None:
                return
            given = {"query": query, "callback_data": callback_data, "visit": visit, "card": card}
            await handler(**{k: v for k, v in given.items() if k in wanted})

        return named_after(press, handler)

    return wrap


def list_press(screen: ListScreen, *, leave_wizard: bool = False) -> Press:
    """The handler of a list's buttons (its section's, a filter, a page): ``screen`` for the
    filter (``arg``) and page the button carries, after leaving any wizard of the section
    when ``leave_wizard`` (the section has wizards that may be waiting)."""

    async def on_list(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
        shown = await screen(visit.runtime, visit.voice, callback_data.arg, callback_data.page)
        await open_screen(query, shown, state=visit.state if leave_wizard else None)

    return named_after(on_list, screen)


class VisitMiddleware(BaseMiddleware):
    """Adds ``visit`` when the context middleware derived a person (never for channel posts
    or bots, which have no menu)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if all(data.get(part) is not None for part in PARTS):
            data["visit"] = Visit(**{part: data[part] for part in PARTS})
        return await handler(event, data)
