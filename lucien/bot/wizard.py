"""One way to take a typed answer in an admin wizard.

A wizard asks with a button, sets an FSM state (kept in the configured storage, so the next
request — maybe on another process — knows what is awaited) and takes the answer here.
:func:`text_step` registers a handler for one state with the parts every step shares:
``/commands`` are never answers (the start router, consulted first, answers them and
``/cancel`` leaves any wizard), and a photo or sticker where a text is awaited gets "I need
a text" while the step stays where it was. The handler receives the typed ``text`` — or,
for a step given a ``read`` (:func:`parsed`), the ``value`` read from it, a text that does
not read having been refused with the step kept.
:func:`whole_number` is the one reading of a typed number with its refusals; :func:`kept`
reads what the wizard kept from its earlier steps, and :func:`finish` is the last step.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar, cast

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.bot.filters import not_a_command
from lucien.bot.ui import open_screen, reply
from lucien.bot.visit import Visit, named_after
from lucien.callbacks import AdminSection
from lucien.voice import Voice
from lucien.voice.message import Message as VoiceMessage
from lucien.voice.providers.validation import Field

Step = Callable[..., Awaitable[Any]]
Change = Callable[[AsyncSession], Awaitable[object]]
#: What a step makes of the typed text: the value, or the refusal to send instead.
Reading = Callable[[Voice, str], object]

T = TypeVar("T")

_DIGITS = re.compile(r"^\d{1,9}$")


FieldOf = Callable[[dict[str, Any]], Field]


def from_data(key: str) -> FieldOf:
    """The field a step asks for, kept in the wizard's data under ``key`` (single edits)."""
    return lambda data: data.get(key, "text")


def text_step(
    router: Router,
    awaited: State,
    handler: Step,
    *,
    field: Field | FieldOf,
    section: AdminSection,
    read: Reading | None = None,
    within: tuple[int, int] | None = None,
) -> None:
    """Register ``handler(message, text, …)`` for the typed answer awaited in ``awaited``.

    ``handler`` names the context it needs (``user``, ``runtime``, ``state``…) as any aiogram
    handler does. With ``read``, it is called only for a text that reads, and may name the
    ``value``; the refusal ``read`` gives for any other is sent here, and the step stays.
    ``within=(minimum, maximum)`` is the ``read`` of a whole number (:func:`whole_number`).
    """
    if within is not None:
        minimum, maximum = within
        number_field = cast(Field, field)  # a number's step names its field outright

        def read(voice: Voice, text: str) -> object:
            return whole_number(voice, text, number_field, minimum, maximum, section)

    wanted = set(inspect.signature(handler).parameters)

    async def step(message: Message, voice: Voice, state: FSMContext, **data: Any) -> Any:
        if message.text is None:
            asked = field(await state.get_data()) if callable(field) else field
            await reply(message, voice.validation.text_required(field=asked, section=section))
            return None
        data.update(voice=voice, state=state, text=message.text)
        if read is not None:
            value = read(voice, message.text)
            if isinstance(value, VoiceMessage):
                await reply(message, value)
                return None
            data["value"] = value
        return await handler(message, **{k: v for k, v in data.items() if k in wanted})

    router.message.register(named_after(step, handler), StateFilter(awaited), not_a_command)


def parsed(
    parse: Callable[[str], T | None], refusal: Callable[[Voice, str], VoiceMessage]
) -> Callable[[Voice, str], T | VoiceMessage]:
    """A step's ``read`` from a parser that gives None for what it cannot read: the parsed
    value, or the ``refusal`` of that text."""

    def read(voice: Voice, text: str) -> T | VoiceMessage:
        value = parse(text)
        return refusal(voice, text) if value is None else value

    return read


def whole_number(
    voice: Voice, text: str, field: Field, minimum: int, maximum: int, section: AdminSection
) -> int | VoiceMessage:
    """The typed whole number in ``minimum..maximum``, or the refusal to send instead."""
    value = text.strip()
    number = int(value) if _DIGITS.match(value) else None
    if number is None or not minimum <= number <= maximum:
        return voice.validation.not_in_range(
            field=field, minimum=minimum, maximum=maximum, number=number, section=section
        )
    return number


async def ask(
    query: CallbackQuery,
    visit: Visit,
    step: State,
    question: VoiceMessage,
    *,
    data: dict[str, Any] | None = None,
) -> None:
    """A button that starts a wizard step: enter ``step`` (with ``data``, when the step needs
    what the button named), then show the ``question`` in place."""
    await visit.state.set_state(step)
    if data is not None:
        await visit.state.set_data(data)
    await open_screen(query, question)


async def kept(
    message: Message, visit: Visit, key: str, allowed: Collection[str]
) -> dict[str, Any] | None:
    """The wizard's data while it still holds one of ``allowed`` under ``key``. Otherwise the
    data is gone (expired, from another version): the wizard is left, the admin is told to
    start again, and None is returned."""
    data = await visit.state.get_data()
    if str(data.get(key, "")) in allowed:
        return data
    await visit.state.clear()
    await reply(message, visit.voice.common.stale_message())
    return None


async def finish(message: Message, visit: Visit, change: Change, done: VoiceMessage) -> None:
    """A wizard's last step: make the ``change`` in one transaction, leave the wizard, and
    confirm with ``done``."""
    async with visit.runtime.sessions.begin() as session:
        await change(session)
    await visit.state.clear()
    await reply(message, done)


def digits(arg: str) -> int | None:
    """A whole number carried in callback data (None when it is not one)."""
    return int(arg) if _DIGITS.match(arg) else None
