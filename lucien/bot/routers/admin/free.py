"""Admin panel › Free: the join-request queue, approve/reject all, the wait time, Diana's
social links and the Free channel invite link.

Approving and rejecting everything pending are the only bulk Telegram actions here; both
confirm first, claim the rows atomically (like the cron) and call Telegram with no
transaction open (``lucien.services.admin_free``). Rejecting is the one place a request
is ever declined. Typed values go through FSM wizards in the configured storage.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.access.config import get_config
from lucien.bot.filters import admin
from lucien.bot.ui import answer, open_screen, reply, show
from lucien.bot.wizard import digits, text_step, whole_number
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.db.models import BotConfig, User
from lucien.runtime import Runtime
from lucien.services import admin_free
from lucien.services.admin_free import NETWORK_COLUMN, WAIT_MAX
from lucien.voice import Voice
from lucien.voice.data import Network, SocialLinks
from lucien.voice.message import Message as VoiceMessage


class WaitWizard(StatesGroup):
    minutes = State()


class SocialWizard(StatesGroup):
    url = State()


class LinkWizard(StatesGroup):
    link = State()


def _social(config: BotConfig) -> SocialLinks:
    return SocialLinks(config.instagram_url, config.tiktok_url, config.x_url)


async def _config(runtime: Runtime) -> BotConfig:
    async with runtime.sessions.begin() as session:
        return await get_config(session)


async def _menu(runtime: Runtime, voice: Voice) -> VoiceMessage:
    async with runtime.sessions.begin() as session:
        config = await get_config(session)
        counts = await admin_free.queue_counts(session, config.free_wait_minutes)
    return voice.admin_free.menu(
        pending=counts["waiting"] + counts["ready"],
        ready=counts["ready"],
        wait_minutes=config.free_wait_minutes,
        social=_social(config),
        invite_link=config.free_invite_link,
    )


async def _queue(runtime: Runtime, voice: Voice, kind: str, page: int) -> VoiceMessage:
    if kind not in admin_free.QUEUE_FILTERS:
        kind = "waiting"
    async with runtime.sessions.begin() as session:
        config = await get_config(session)
        cards, at, counts = await admin_free.queue_page(
            session, kind, page, config.free_wait_minutes
        )
    return voice.admin_free.queue(requests=cards, filter=kind, page=at, counts=counts)  # type: ignore[arg-type]


async def _pending(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        return await admin_free.count_pending(session)


def _network(arg: str) -> Network | None:
    return arg if arg in NETWORK_COLUMN else None  # type: ignore[return-value]


async def on_menu(query: CallbackQuery, voice: Voice, runtime: Runtime, state: FSMContext) -> None:
    await open_screen(query, await _menu(runtime, voice), state=state)


async def on_queue(
    query: CallbackQuery,
    callback_data: AdminCB,
    voice: Voice,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    await open_screen(
        query, await _queue(runtime, voice, callback_data.arg, callback_data.page), state=state
    )


async def on_approve_all(query: CallbackQuery, voice: Voice, runtime: Runtime) -> None:
    await open_screen(query, voice.admin_free.approve_all_confirm(count=await _pending(runtime)))


async def on_reject_all(query: CallbackQuery, voice: Voice, runtime: Runtime) -> None:
    await open_screen(query, voice.admin_free.reject_all_confirm(count=await _pending(runtime)))


async def _nothing_pending(
    query: CallbackQuery, voice: Voice, runtime: Runtime, *, resumed: bool = False
) -> bool:
    """True (after saying so) when the queue emptied since the confirmation was shown;
    otherwise answers "working on it" before the (possibly long) work. ``resumed``: an
    earlier attempt of this very update already settled requests (a redelivery), so the
    summary is due whatever is left."""
    if not resumed and not await _pending(runtime):
        await open_screen(query, voice.admin_free.nothing_pending())
        return True
    await answer(query, voice.common.working())
    return False


async def on_approve_all_ok(
    query: CallbackQuery, user: User, voice: Voice, runtime: Runtime
) -> None:
    resumed = admin_free.approvals_resumed()
    if await _nothing_pending(query, voice, runtime, resumed=resumed):
        return
    done = await admin_free.approve_all(runtime, actor_id=user.id)
    await show(query, voice.admin_free.approve_all_done(approved=done.done, failed=done.failed))


async def on_reject_all_ok(
    query: CallbackQuery, user: User, voice: Voice, runtime: Runtime
) -> None:
    resumed = await admin_free.rejections_resumed()
    if await _nothing_pending(query, voice, runtime, resumed=resumed):
        return
    done = await admin_free.reject_all(runtime, actor_id=user.id)
    await show(query, voice.admin_free.reject_all_done(count=done.done + done.closed))


async def on_wait(query: CallbackQuery, voice: Voice, runtime: Runtime, state: FSMContext) -> None:
    config = await _config(runtime)
    await state.set_state(WaitWizard.minutes)
    await open_screen(query, voice.admin_free.wait_ask(current=config.free_wait_minutes))


async def _set_wait(runtime: Runtime, user: User, state: FSMContext, minutes: int) -> None:
    async with runtime.sessions.begin() as session:
        await admin_free.set_wait(session, minutes, actor_id=user.id)
    await state.clear()


async def on_wait_set(
    query: CallbackQuery,
    callback_data: AdminCB,
    user: User,
    voice: Voice,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    minutes = digits(callback_data.arg)
    if minutes is None or minutes > WAIT_MAX:
        await answer(query, voice.common.stale())
        return
    await _set_wait(runtime, user, state, minutes)
    await open_screen(query, voice.admin_free.wait_set(minutes=minutes))


async def on_social(
    query: CallbackQuery, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    await open_screen(
        query, voice.admin_free.social_menu(links=_social(await _config(runtime))), state=state
    )


async def _network_of(query: CallbackQuery, callback_data: AdminCB, voice: Voice) -> Network | None:
    """The network a button names, or None after saying the button is stale."""
    network = _network(callback_data.arg)
    if network is None:
        await answer(query, voice.common.stale())
    return network


async def on_social_edit(
    query: CallbackQuery,
    callback_data: AdminCB,
    voice: Voice,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    network = await _network_of(query, callback_data, voice)
    if network is None:
        return
    current = getattr(await _config(runtime), NETWORK_COLUMN[network])
    await state.set_state(SocialWizard.url)
    await state.set_data({"network": network})
    await open_screen(query, voice.admin_free.social_ask(network=network, current=current))


async def on_social_clear(
    query: CallbackQuery,
    callback_data: AdminCB,
    user: User,
    voice: Voice,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    network = await _network_of(query, callback_data, voice)
    if network is None:
        return
    async with runtime.sessions.begin() as session:
        await admin_free.set_social(session, network, None, actor_id=user.id)
    await open_screen(query, voice.admin_free.social_set(network=network, url=None), state=state)


async def on_link(query: CallbackQuery, voice: Voice, runtime: Runtime, state: FSMContext) -> None:
    config = await _config(runtime)
    await state.set_state(LinkWizard.link)
    await open_screen(query, voice.admin_free.invite_link_ask(current=config.free_invite_link))


async def on_link_clear(
    query: CallbackQuery, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    async with runtime.sessions.begin() as session:
        await admin_free.set_invite_link(session, None, actor_id=user.id)
    await open_screen(query, voice.admin_free.invite_link_set(link=None), state=state)


# -- wizard steps ---------------------------------------------------------------------------


async def on_wait_minutes(
    message: Message, text: str, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    minutes = whole_number(voice, text, "minutes", 0, WAIT_MAX, S.FREE)
    if not isinstance(minutes, int):
        await reply(message, minutes)
        return
    await _set_wait(runtime, user, state, minutes)
    await reply(message, voice.admin_free.wait_set(minutes=minutes))


async def on_social_url(
    message: Message, text: str, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    network = _network(str((await state.get_data()).get("network", "")))
    if network is None:
        await state.clear()
        await reply(message, voice.common.stale_message())
        return
    url = admin_free.clean_https_url(text)
    if url is None:
        await reply(message, voice.validation.invalid_url(section=S.FREE))
        return
    async with runtime.sessions.begin() as session:
        await admin_free.set_social(session, network, url, actor_id=user.id)
    await state.clear()
    await reply(message, voice.admin_free.social_set(network=network, url=url))


async def on_invite_link(
    message: Message, text: str, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    link = admin_free.clean_invite_link(text)
    if link is None:
        await reply(message, voice.validation.invalid_invite_link(section=S.FREE))
        return
    async with runtime.sessions.begin() as session:
        await admin_free.set_invite_link(session, link, actor_id=user.id)
    await state.clear()
    await reply(message, voice.admin_free.invite_link_set(link=link))


def build() -> Router:
    router = Router(name="admin.free")
    cb = router.callback_query
    cb.register(on_menu, admin(S.FREE, A.OPEN, A.CANCEL))
    cb.register(on_queue, admin(S.FREE, A.LIST))
    cb.register(on_approve_all, admin(S.FREE, A.APPROVE_ALL))
    cb.register(on_approve_all_ok, admin(S.FREE, A.APPROVE_ALL_OK))
    cb.register(on_reject_all, admin(S.FREE, A.REJECT_ALL))
    cb.register(on_reject_all_ok, admin(S.FREE, A.REJECT_ALL_OK))
    cb.register(on_wait, admin(S.FREE, A.WAIT))
    cb.register(on_wait_set, admin(S.FREE, A.WAIT_SET))
    cb.register(on_social, admin(S.FREE, A.SOCIAL))
    cb.register(on_social_edit, admin(S.FREE, A.SOCIAL_EDIT))
    cb.register(on_social_clear, admin(S.FREE, A.SOCIAL_CLEAR))
    cb.register(on_link, admin(S.FREE, A.LINK))
    cb.register(on_link_clear, admin(S.FREE, A.LINK_CLEAR))
    text_step(router, WaitWizard.minutes, on_wait_minutes, field="minutes", section=S.FREE)
    text_step(router, SocialWizard.url, on_social_url, field="url", section=S.FREE)
    text_step(router, LinkWizard.link, on_invite_link, field="url", section=S.FREE)
    return router
