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

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.bot.callbacks import AdminAction as A
from lucien.bot.callbacks import AdminCB
from lucien.bot.callbacks import AdminSection as S
from lucien.bot.commands import register_admin_commands
from lucien.bot.ui import show
from lucien.runtime import Runtime
from lucien.services import admin_users as svc
from lucien.services.admin_users import Result
from lucien.services.config import get_config
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
DO = {
    A.GRANT_OK: "grant",
    A.UNGRANT_OK: "ungrant",
    A.BLOCK_OK: "block",
    A.UNBLOCK_OK: "unblock",
    A.KICK_OK: "kick",
    A.WIPE_OK: "wipe",
}
OWNER_ONLY = frozenset({"grant", "ungrant"})


async def _leave_search(state: FSMContext) -> None:
    if await state.get_state() == UserSearch.query.state:
        await state.clear()


async def _menu(runtime: Runtime, voice: Voice) -> VoiceMessage:
    async with runtime.sessions.begin() as session:
        counts = await svc.role_counts(session, runtime.settings)
    return voice.admin_users.menu(counts=counts)


# ----------------------------------------------------------------------------- navigation


async def on_open(query: CallbackQuery, runtime: Runtime, voice: Voice, state: FSMContext) -> None:
    await _leave_search(state)
    await show(query, await _menu(runtime, voice))
    await query.answer()


async def on_cancel(
    query: CallbackQuery, runtime: Runtime, voice: Voice, state: FSMContext
) -> None:
    await _leave_search(state)
    await show(query, await _menu(runtime, voice))
    await query.answer()


async def on_list(
    query: CallbackQuery, callback_data: AdminCB, runtime: Runtime, voice: Voice
) -> None:
    role = callback_data.arg
    if role not in svc.ROLE_FILTERS:
        await query.answer(**voice.common.stale().as_answer_kwargs())
        return
    async with runtime.sessions.begin() as session:
        users, page = await svc.list_users(
            session,
            runtime.settings,
            role,
            callback_data.page,  # type: ignore[arg-type]
        )
    await show(query, voice.admin_users.users(users=users, role=role, page=page))  # type: ignore[arg-type]
    await query.answer()


# ----------------------------------------------------------------------------- search


async def on_find(query: CallbackQuery, runtime: Runtime, voice: Voice, state: FSMContext) -> None:
    await state.set_state(UserSearch.query)
    await show(query, voice.admin_users.search_ask())
    await query.answer()


async def on_search_input(
    message: Message, runtime: Runtime, voice: Voice, state: FSMContext
) -> None:
    parsed = svc.parse_search(message.text)
    if parsed is None:
        await message.answer(**voice.validation.search_invalid(section=S.USERS).as_send_kwargs())
        return
    async with runtime.sessions.begin() as session:
        found = await svc.search(session, runtime.settings, parsed)
    await state.clear()
    text = (message.text or "").strip()
    await message.answer(
        **voice.admin_users.search_results(users=found, query=text).as_send_kwargs()
    )


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


async def on_view(
    query: CallbackQuery, callback_data: AdminCB, runtime: Runtime, voice: Voice
) -> None:
    tab = callback_data.arg or "sum"
    if tab not in TABS:
        await query.answer(**voice.common.stale().as_answer_kwargs())
        return
    msg = await _profile(
        runtime, voice, query.from_user.id, callback_data.id, tab, callback_data.page
    )
    if msg is None:
        await query.answer(**voice.common.not_found_alert("user").as_answer_kwargs())
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


async def on_confirm(
    query: CallbackQuery, callback_data: AdminCB, runtime: Runtime, voice: Voice
) -> None:
    action = CONFIRM[A(callback_data.action)]
    if action in OWNER_ONLY and not _is_owner(runtime, query):
        await query.answer(**voice.admin_users.owner_only().as_answer_kwargs())
        return
    card = await _card(runtime, callback_data.id)
    if card is None:
        await query.answer(**voice.common.not_found_alert("user").as_answer_kwargs())
        return
    refused = _precheck(runtime, query.from_user.id, action, card)
    if refused is not None:
        await query.answer(**_refusal(voice, refused).as_answer_kwargs())
        return
    await show(query, voice.admin_users.confirm(action=action, user=card))  # type: ignore[arg-type]
    await query.answer()


async def on_do(
    query: CallbackQuery, callback_data: AdminCB, runtime: Runtime, voice: Voice
) -> None:
    action = DO[A(callback_data.action)]
    if action in OWNER_ONLY and not _is_owner(runtime, query):
        await query.answer(**voice.admin_users.owner_only().as_answer_kwargs())
        return
    settings = runtime.settings
    actor_id, user_id = query.from_user.id, callback_data.id
    if action == "wipe":
        await _wipe(query, runtime, voice, actor_id, user_id)
        return
    removal: svc.Removal | None = None
    async with runtime.sessions.begin() as session:
        card = await svc.get_card(session, settings, user_id)
        if card is None:
            result = Result.NOT_FOUND
        elif action == "grant":
            result = await svc.grant_admin(session, settings, actor_id=actor_id, user_id=user_id)
        elif action == "ungrant":
            result = await svc.revoke_admin(session, settings, actor_id=actor_id, user_id=user_id)
        elif action in ("block", "unblock"):
            result = await svc.set_blocked(
                session, settings, actor_id=actor_id, user_id=user_id, blocked=action == "block"
            )
        else:
            config = await get_config(session)
            removal = await svc.begin_removal(
                session,
                settings,
                actor_id=actor_id,
                user_id=user_id,
                vip_channel_id=config.vip_channel_id,
                free_channel_id=config.free_channel_id,
            )
            result = removal.result
    if result is not Result.DONE or card is None:
        await query.answer(**_refusal(voice, result).as_answer_kwargs())
        return
    # The transaction is closed: now Telegram.
    if action in ("grant", "ungrant"):
        await register_admin_commands(runtime, user_id, admin=action == "grant")
    if removal is not None:
        problems = await svc.remove_from_channels(runtime.bot, removal)
        if problems:
            await show(query, voice.admin_users.removal_incomplete(user=card))
            await query.answer()
            return
    await show(query, voice.admin_users.done(action=action, user=card))  # type: ignore[arg-type]
    await query.answer()


async def _wipe(
    query: CallbackQuery, runtime: Runtime, voice: Voice, actor_id: int, user_id: int
) -> None:
    """Delete the data: Telegram first, the rows last, so a failure can be finished later."""
    card = await _card(runtime, user_id)
    done = await svc.wipe(runtime, actor_id=actor_id, user_id=user_id)
    if done.result is not Result.DONE or card is None:
        await query.answer(**_refusal(voice, done.result).as_answer_kwargs())
        return
    if done.problems:
        await show(query, voice.admin_users.removal_incomplete(user=card, deleted=True))
    else:
        await show(query, voice.admin_users.done(action="wipe", user=card))
    await query.answer()


def _on(action: str) -> CallbackQueryFilter:
    return AdminCB.filter((F.section == S.USERS) & (F.action == action))


def _not_a_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")


def build() -> Router:
    router = Router(name="admin.users")
    router.callback_query.register(on_open, _on(A.OPEN))
    router.callback_query.register(on_cancel, _on(A.CANCEL))
    router.callback_query.register(on_list, _on(A.LIST))
    router.callback_query.register(on_find, _on(A.FIND))
    router.callback_query.register(on_view, _on(A.VIEW))
    router.callback_query.register(
        on_confirm, AdminCB.filter((F.section == S.USERS) & F.action.in_(set(CONFIRM)))
    )
    router.callback_query.register(
        on_do, AdminCB.filter((F.section == S.USERS) & F.action.in_(set(DO)))
    )
    router.message.register(on_search_input, UserSearch.query, _not_a_command)
    return router
