"""Admin panel · calibration: the channels (with the rights check), zone, reminders,
creator username, dry run and the unauthorised-join notice.

- ``open`` → the menu, with each configured channel checked live in Telegram (title, and
  whether the bot has the rights it needs).
- ``chan`` (arg vip|free) → wizard: forward a post from the channel, or send its id or
  ``@username``. It must resolve (``getChat``) and be a channel; then the rights are
  checked and the channel is saved — also when rights are missing, with the report saying
  exactly which (see :mod:`lucien.services.channels` for why).
- ``chk`` (arg) → the rights report again. ``tz``, ``offs``, ``creator`` → one-step wizards
  validated with the limits in the refusal. ``dry``, ``notif`` → switches.

Each change is audited (``config.update``, value before and after).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.access.config import get_config, stored_config
from lucien.bot.filters import Presses, not_a_command
from lucien.bot.ui import open_screen, reply
from lucien.bot.visit import Visit
from lucien.bot.wizard import Change, Reading, Step, ask, finish, kept, parsed, text_step
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.db.models import BotConfig
from lucien.runtime import Runtime
from lucien.services import calibration, channels
from lucien.voice import Voice
from lucien.voice.data import ChannelCard, ChannelKind, ConfigCard, SocialLinks
from lucien.voice.message import Message as VoiceMessage
from lucien.voice.providers.admin_config import Switch
from lucien.voice.providers.validation import Field


class ConfigWizard(StatesGroup):
    channel = State()
    timezone = State()
    offsets = State()
    creator = State()


at_config = Presses(S.CONFIG)


async def _leave_wizard(state: FSMContext) -> None:
    current = await state.get_state()
    if current is not None and current in ConfigWizard.__state_names__:
        await state.clear()


async def menu_message(runtime: Runtime, voice: Voice) -> VoiceMessage:
    async with runtime.sessions.begin() as session:
        config = await get_config(session)
    cards: dict[str, ChannelCard] = {}
    for kind in channels.KINDS:
        chat_id = channels.configured(config, kind)
        cards[kind] = (
            await channels.inspect(runtime.bot, kind, chat_id)
            if chat_id is not None
            else ChannelCard(kind)
        )
    card = ConfigCard(
        vip=cards["vip"],
        free=cards["free"],
        free_wait_minutes=config.free_wait_minutes,
        social=SocialLinks(config.instagram_url, config.tiktok_url, config.x_url),
        free_invite_link=config.free_invite_link,
        creator_username=config.creator_username,
        timezone=config.timezone,
        reminder_offsets=calibration.offsets_of(config),
        dry_run=config.dry_run,
        notify_unauthorized_joins=config.notify_unauthorized_joins,
    )
    return voice.admin_config.menu(config=card)


def _kind(arg: str) -> ChannelKind | None:
    return arg if arg in channels.KINDS else None  # type: ignore[return-value]


# ----------------------------------------------------------------------------- buttons


@at_config.on(A.OPEN, A.CANCEL)
async def on_open(query: CallbackQuery, visit: Visit) -> None:
    await _leave_wizard(visit.state)
    await open_screen(query, await menu_message(visit.runtime, visit.voice))


@at_config.on(A.CHANNEL, arg_in=channels.KINDS)
async def on_channel(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    kind = cast(ChannelKind, callback_data.arg)
    question = visit.voice.admin_config.channel_ask(kind=kind)
    await ask(query, visit, ConfigWizard.channel, question, data={"kind": kind})


@at_config.on(A.CHECK, arg_in=channels.KINDS)
async def on_check(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    kind = cast(ChannelKind, callback_data.arg)
    async with visit.runtime.sessions.begin() as session:
        chat_id = channels.configured(await get_config(session), kind)
    if chat_id is None:  # nothing to check yet: ask for the channel instead
        await on_channel(query, callback_data, visit)
        return
    card = await channels.inspect(visit.runtime.bot, kind, chat_id)
    await open_screen(query, visit.voice.admin_config.channel_report(channel=card, saved=False))


#: The settings typed as text: the step that waits for each, and its question (which
#: shows the current value).
_TYPED_SETTINGS: dict[A, tuple[State, Callable[[Voice, BotConfig], VoiceMessage]]] = {
    A.TIMEZONE: (
        ConfigWizard.timezone,
        lambda voice, config: voice.admin_config.timezone_ask(current=config.timezone),
    ),
    A.OFFSETS: (
        ConfigWizard.offsets,
        lambda voice, config: voice.admin_config.offsets_ask(
            current=calibration.offsets_of(config),
            max_count=calibration.OFFSETS_MAX_COUNT,
            max_hours=calibration.OFFSETS_MAX_HOURS,
        ),
    ),
    A.CREATOR: (
        ConfigWizard.creator,
        lambda voice, config: voice.admin_config.creator_ask(current=config.creator_username),
    ),
}


@at_config.on(*_TYPED_SETTINGS)
async def on_setting_ask(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    """The time zone, the reminder hours, the creator's username: one path shows the
    current value and waits for the new one in that setting's step."""
    step, question = _TYPED_SETTINGS[A(callback_data.action)]
    await ask(query, visit, step, question(visit.voice, await stored_config(visit.runtime)))


#: The switches: the setting each button flips, and the name Lucien gives it.
_SWITCHES: dict[A, tuple[str, Switch]] = {
    A.DRY_RUN: ("dry_run", "dry_run"),
    A.NOTIFY_JOINS: ("notify_unauthorized_joins", "notify_joins"),
}


@at_config.on(*_SWITCHES)
async def on_switch(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    """The dry run, the unauthorised-join notice: one path flips the setting and says how
    it now stands."""
    setting, switch = _SWITCHES[A(callback_data.action)]
    async with visit.runtime.sessions.begin() as session:
        on = await calibration.toggle(session, setting, actor_id=query.from_user.id)
    await open_screen(query, visit.voice.admin_config.switch_set(switch=switch, on=on))


# ----------------------------------------------------------------------------- typed answers


async def on_channel_input(message: Message, visit: Visit) -> None:
    data = await kept(message, visit, "kind", channels.KINDS)
    if data is None:  # a state without its data: start again
        return
    kind = cast(ChannelKind, data["kind"])
    ref = channels.parse_reference(message)
    if ref is None:
        await reply(message, visit.voice.validation.wrong_form("invalid_channel", section=S.CONFIG))
        return
    if ref.not_a_channel:
        await reply(message, visit.voice.admin_config.channel_not_a_channel())
        return
    bot = visit.runtime.bot
    resolved = await channels.resolve(bot, ref)
    if resolved is None and not ref.forwarded:
        await reply(message, visit.voice.admin_config.channel_not_found(kind=kind, value=ref.shown))
        return
    if resolved is not None and resolved.type != "channel":
        await reply(message, visit.voice.admin_config.channel_not_a_channel())
        return
    # A forwarded post proves the channel exists even when the bot cannot see it yet.
    chat_id = resolved.chat_id if resolved is not None else int(ref.chat_id or 0)
    title = resolved.title if resolved is not None else ref.title
    card = await channels.check_rights(bot, kind, chat_id, title=title)
    async with visit.runtime.sessions.begin() as session:
        outcome = await channels.save_channel(
            session, kind, chat_id, actor_id=message.from_user.id if message.from_user else 0
        )
    if outcome == "taken":
        await reply(message, visit.voice.admin_config.channel_taken(kind=kind))
        return
    await visit.state.clear()
    await reply(message, visit.voice.admin_config.channel_report(channel=card, saved=True))


def _actor(message: Message) -> int:
    return message.from_user.id if message.from_user else 0


def _change(setter: Callable[..., Awaitable[object]], value: object, message: Message) -> Change:
    """One calibration setting set to ``value`` by whoever sent ``message`` (audited)."""
    return lambda session: setter(session, value, actor_id=_actor(message))


async def on_timezone_input(message: Message, value: str, visit: Visit) -> None:
    done = visit.voice.admin_config.timezone_set(timezone=value)
    await finish(message, visit, _change(calibration.set_timezone, value, message), done)


async def on_offsets_input(message: Message, value: tuple[int, ...], visit: Visit) -> None:
    done = visit.voice.admin_config.offsets_set(offsets=value)
    await finish(message, visit, _change(calibration.set_offsets, value, message), done)


async def on_creator_input(message: Message, value: str | bool, visit: Visit) -> None:
    username = None if value is True else str(value)
    done = visit.voice.admin_config.creator_set(username=username)
    await finish(message, visit, _change(calibration.set_creator, username, message), done)


_TIMEZONE = parsed(
    calibration.parse_timezone,
    lambda voice, text: voice.validation.invalid_timezone(value=text.strip()[:64]),
)
_OFFSETS = parsed(
    calibration.parse_offsets,
    lambda voice, _: voice.validation.invalid_offsets(
        max_count=calibration.OFFSETS_MAX_COUNT,
        max_hours=calibration.OFFSETS_MAX_HOURS,
        section=S.CONFIG,
    ),
)
_USERNAME = parsed(
    calibration.parse_username,
    lambda voice, _: voice.validation.wrong_form("invalid_username", section=S.CONFIG),
)

#: The one-step wizards of the typed settings: the step, its handler, what it asks for and
#: how the answer is read.
_TYPED_STEPS: tuple[tuple[State, Step, Field, Reading], ...] = (
    (ConfigWizard.timezone, on_timezone_input, "timezone", _TIMEZONE),
    (ConfigWizard.offsets, on_offsets_input, "offsets", _OFFSETS),
    (ConfigWizard.creator, on_creator_input, "username", _USERNAME),
)


def build() -> Router:
    router = Router(name="admin.config")
    at_config.register(router)
    router.message.register(on_channel_input, StateFilter(ConfigWizard.channel), not_a_command)
    for awaited, handler, field, read in _TYPED_STEPS:
        text_step(router, awaited, handler, field=field, section=S.CONFIG, read=read)
    return router
