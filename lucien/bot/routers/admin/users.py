"""Admin panel · people: search, lists by role, profile tabs and what can be done to a person.

- ``open`` → counts per derived role; ``list`` (arg admin|vip|free|blocked, page) → a page.
- ``find`` → wizard (one step): a Telegram id or ``@username``; bad input keeps the step.
- ``view`` (id, arg sum|sub|aud|int, page) → profile tabs.
- ``grant``/``ungrant`` (+ ``_ok``): **owner only**, never oneself, never an env admin.
- ``block``/``unblock``, ``kick`` (remove from both channels), ``wipe`` (delete the data):
  never oneself, never an admin (the owner revokes the grant first). ``X`` shows a
  confirmation, ``X_ok`` does it.

Every change is audited by the service; Telegram calls run after its transaction closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.config import get_config
from lucien.bot.commands import register_admin_commands
from lucien.bot.filters import Presses, not_a_command
from lucien.bot.ui import answer, reply, show
from lucien.bot.visit import Visit
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.journal import once
from lucien.runtime import Runtime
from lucien.services import admin_users as svc
from lucien.services.admin_users import Result
from lucien.settings import Settings
from lucien.voice import Voice
from lucien.voice.data import UserCard
from lucien.voice.message import Alert
from lucien.voice.message import Message as VoiceMessage


class UserSearch(StatesGroup):
    query = State()


TABS = ("sum", "sub", "aud", "int")
#: confirmation action → (what the voice calls it, the action that does it)
CONFIRM = {
    A.GRANT: "grant",
    A.UNGRANT: "ungrant",
    A.BLOCK: "block",
    A.UNBLOCK: "unblock",
    A.KICK: "kick",
    A.WIPE: "wipe",
}
OWNER_ONLY = frozenset({"grant", "ungrant"})


at_users = Presses(S.USERS)


async def _leave_search(state: FSMContext) -> None:
    if await state.get_state() == UserSearch.query.state:
        await state.clear()


async def _menu(runtime: Runtime, voice: Voice) -> VoiceMessage:
    async with runtime.sessions.begin() as session:
        counts = await svc.role_counts(session, runtime.settings)
    return voice.admin_users.menu(counts=counts)


# ----------------------------------------------------------------------------- navigation


@at_users.on(A.OPEN)
async def on_open(query: CallbackQuery, visit: Visit) -> None:
    await _leave_search(visit.state)
    await show(query, await _menu(visit.runtime, visit.voice))
    await query.answer()


@at_users.on(A.CANCEL)
async def on_cancel(query: CallbackQuery, visit: Visit) -> None:
    await _leave_search(visit.state)
    await show(query, await _menu(visit.runtime, visit.voice))
    await query.answer()


@at_users.on(A.LIST, arg_in=svc.ROLE_FILTERS)
async def on_list(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    role = cast(svc.RoleFilter, callback_data.arg)
    async with visit.runtime.sessions.begin() as session:
        users, page = await svc.list_users(
            session, visit.runtime.settings, role, callback_data.page
        )
    await show(query, visit.voice.admin_users.users(users=users, role=role, page=page))
    await query.answer()


# ----------------------------------------------------------------------------- search


@at_users.on(A.FIND)
async def on_find(query: CallbackQuery, visit: Visit) -> None:
    await visit.state.set_state(UserSearch.query)
    await show(query, visit.voice.admin_users.search_ask())
    await query.answer()


async def on_search_input(message: Message, visit: Visit) -> None:
    parsed = svc.parse_search(message.text)
    if parsed is None:
        await reply(message, visit.voice.validation.wrong_form("search_invalid", section=S.USERS))
        return
    async with visit.runtime.sessions.begin() as session:
        found = await svc.search(session, visit.runtime.settings, parsed)
    await visit.state.clear()
    text = (message.text or "").strip()
    await reply(message, visit.voice.admin_users.search_results(users=found, query=text))


# ----------------------------------------------------------------------------- profile


async def _profile(
    runtime: Runtime, voice: Voice, viewer_id: int, user_id: int, tab: str, page: int
) -> VoiceMessage | None:
    settings = runtime.settings
    async with runtime.sessions.begin() as session:
        card = await svc.get_card(session, settings, user_id)
        if card is None:
            return None
        if tab == "sub":
            subs = await svc.subscriptions_of(session, card)
            return voice.admin_users.profile_subscription(user=card, subs=subs)
        if tab == "aud":
            entries, at = await svc.audit_of(session, card.id, page)
            return voice.admin_users.profile_audit(user=card, entries=entries, page=at)
        if tab == "int":
            interests, at = await svc.interests_of(session, card, page)
            return voice.admin_users.profile_interests(user=card, interests=interests, page=at)
    return voice.admin_users.profile(
        user=card,
        viewer_is_owner=viewer_id == settings.owner_id,
        viewer_id=viewer_id,
        env_admin=card.id in settings.admin_ids,
    )


@at_users.on(A.VIEW)
async def on_view(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    tab = callback_data.arg or "sum"
    if tab not in TABS:
        await answer(query, visit.voice.common.stale())
        return
    msg = await _profile(
        visit.runtime, visit.voice, query.from_user.id, callback_data.id, tab, callback_data.page
    )
    if msg is None:
        await answer(query, visit.voice.common.not_found_alert("user"))
        return
    await show(query, msg)
    await query.answer()


# ----------------------------------------------------------------------------- actions


def _refusal(voice: Voice, result: Result) -> Alert:
    if result is Result.SELF:
        return voice.admin_users.not_yourself()
    if result is Result.PROTECTED:
        return voice.admin_users.protected()
    if result is Result.NOT_FOUND:
        return voice.common.not_found_alert("user")
    return voice.common.unchanged()


def _precheck(runtime: Runtime, viewer_id: int, action: str, card: UserCard) -> Result | None:
    """What can be told before asking: oneself, the owner's privilege, protected people."""
    if card.id == viewer_id:
        return Result.SELF
    if action in OWNER_ONLY:
        if card.id in runtime.settings.admin_ids:
            return Result.PROTECTED
        if action == "grant" and card.role == "admin":
            return Result.UNCHANGED
        if action == "ungrant" and card.role != "admin":
            return Result.UNCHANGED
        return None
    if action == "unblock":
        return None if card.is_blocked else Result.UNCHANGED
    if card.role == "admin":
        return Result.PROTECTED
    if action == "block" and card.is_blocked:
        return Result.UNCHANGED
    return None


async def _card(runtime: Runtime, user_id: int) -> UserCard | None:
    async with runtime.sessions.begin() as session:
        return await svc.get_card(session, runtime.settings, user_id)


def _is_owner(runtime: Runtime, query: CallbackQuery) -> bool:
    owner = runtime.settings.owner_id
    return owner is not None and query.from_user.id == owner


@at_users.on(*CONFIRM)
async def on_confirm(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    action = CONFIRM[A(callback_data.action)]
    if action in OWNER_ONLY and not _is_owner(visit.runtime, query):
        await answer(query, visit.voice.admin_users.owner_only())
        return
    card = await _card(visit.runtime, callback_data.id)
    if card is None:
        await answer(query, visit.voice.common.not_found_alert("user"))
        return
    refused = _precheck(visit.runtime, query.from_user.id, action, card)
    if refused is not None:
        await answer(query, _refusal(visit.voice, refused))
        return
    await show(query, visit.voice.admin_users.confirm(action=action, user=card))  # type: ignore[arg-type]
    await query.answer()


Change = Callable[[AsyncSession, Settings, int, int], Awaitable[Any]]
Handler = Callable[..., Awaitable[None]]


Applied = tuple[UserCard | None, Result, svc.RemovalPlan | None]


async def _apply(
    session: AsyncSession, settings: Settings, change: Change, actor_id: int, user_id: int
) -> Applied:
    """The change in the database: the card as it was, the result, what is left to do."""
    card = await svc.get_card(session, settings, user_id)
    if card is None:
        return None, Result.NOT_FOUND, None
    done = await change(session, settings, actor_id, user_id)
    if isinstance(done, svc.RemovalPlan):
        return card, done.result, done
    return card, done, None


async def _change(
    query: CallbackQuery,
    callback_data: AdminCB,
    runtime: Runtime,
    voice: Voice,
    action: str,
    change: Change,
) -> tuple[UserCard, svc.RemovalPlan | None] | None:
    """Make one change to a person in one transaction (``change(session, settings, actor,
    person)``), once per update. Returns their card and what is left to do in Telegram
    when it was done; None after telling the admin why not (owner only, oneself,
    protected, unchanged, gone)."""
    if action in OWNER_ONLY and not _is_owner(runtime, query):
        await answer(query, voice.admin_users.owner_only())
        return None
    settings, actor_id, user_id = runtime.settings, query.from_user.id, callback_data.id
    async with runtime.sessions.begin() as session:
        # Once per update: a redelivery shows the card as it was and changes nothing again.
        card, result, plan = await once(
            session,
            f"users.{action}",
            Applied,
            lambda: _apply(session, settings, change, actor_id, user_id),
        )
    if result is not Result.DONE or card is None:
        await answer(query, _refusal(voice, result))
        return None
    return card, plan


async def _done(
    query: CallbackQuery, voice: Voice, action: str, card: UserCard, vip_channel: bool = True
) -> None:
    shown = voice.admin_users.done(action=action, user=card, vip_channel=vip_channel)  # type: ignore[arg-type]
    await show(query, shown)
    await query.answer()


After = Callable[[Runtime, UserCard], Awaitable[None]]


def _changes(action: str, change: Change, after: After | None = None) -> Handler:
    """The handler that confirms ``action``: the change, then (no transaction open) what
    follows in Telegram, then the screen saying it is done."""

    async def handler(
        query: CallbackQuery, callback_data: AdminCB, runtime: Runtime, voice: Voice
    ) -> None:
        done = await _change(query, callback_data, runtime, voice, action, change)
        if done is None:
            return
        if after is not None:
            await after(runtime, done[0])
        await _done(query, voice, action, done[0])

    handler.__name__ = handler.__qualname__ = f"on_{action}_ok"
    return handler


async def _grant(session: AsyncSession, settings: Settings, actor: int, person: int) -> Result:
    return await svc.set_admin(session, settings, actor_id=actor, user_id=person, admin=True)


async def _revoke(session: AsyncSession, settings: Settings, actor: int, person: int) -> Result:
    return await svc.set_admin(session, settings, actor_id=actor, user_id=person, admin=False)


async def _block(session: AsyncSession, settings: Settings, actor: int, person: int) -> Result:
    return await svc.set_blocked(session, settings, actor_id=actor, user_id=person, blocked=True)


async def _unblock(session: AsyncSession, settings: Settings, actor: int, person: int) -> Result:
    return await svc.set_blocked(session, settings, actor_id=actor, user_id=person, blocked=False)


def _custodian_menu(admin: bool) -> After:
    """A new custodian gets the panel's commands; a former one loses them."""

    async def after(runtime: Runtime, card: UserCard) -> None:
        await register_admin_commands(runtime, card.id, admin=admin)

    return after


@at_users.on(A.KICK_OK)
async def on_kick_ok(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    """Out of both channels: the database first, in one transaction; then Telegram, with
    none open."""

    async def start(
        session: AsyncSession, settings: Settings, actor: int, person: int
    ) -> svc.RemovalPlan:
        config = await get_config(session)
        return await svc.begin_removal(
            session,
            settings,
            actor_id=actor,
            user_id=person,
            vip_channel_id=config.vip_channel_id,
            free_channel_id=config.free_channel_id,
        )

    done = await _change(query, callback_data, visit.runtime, visit.voice, "kick", start)
    if done is None:
        return
    card, plan = done
    assert plan is not None
    if await svc.remove_from_channels(visit.runtime.bot, plan):
        await show(query, visit.voice.admin_users.removal_incomplete(user=card))
        await query.answer()
        return
    await _done(query, visit.voice, "kick", card, vip_channel=not plan.vip_missing)


@at_users.on(A.WIPE_OK)
async def on_wipe_ok(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    """Delete the data: Telegram first, the rows last, so a failure can be finished later."""
    card = await _card(visit.runtime, callback_data.id)
    done = await svc.wipe(visit.runtime, actor_id=query.from_user.id, user_id=callback_data.id)
    if done.result is not Result.DONE or card is None:
        await answer(query, _refusal(visit.voice, done.result))
        return
    if done.problems:
        await show(query, visit.voice.admin_users.removal_incomplete(user=card, deleted=True))
    else:
        await show(query, visit.voice.admin_users.done(action="wipe", user=card))
    await query.answer()


at_users.on(A.GRANT_OK)(_changes("grant", _grant, _custodian_menu(True)))
at_users.on(A.UNGRANT_OK)(_changes("ungrant", _revoke, _custodian_menu(False)))
at_users.on(A.BLOCK_OK)(_changes("block", _block))
at_users.on(A.UNBLOCK_OK)(_changes("unblock", _unblock))


def build() -> Router:
    router = Router(name="admin.users")
    at_users.register(router)
    router.message.register(on_search_input, StateFilter(UserSearch.query), not_a_command)
    return router
