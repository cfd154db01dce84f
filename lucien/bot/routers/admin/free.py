"""Admin panel › Free: the join-request queue, approve/reject all, the wait time, Diana's
social links and the Free channel invite link.

Approving and rejecting everything pending are the only bulk Telegram actions here; both
confirm first, claim the rows atomically (like the cron) and call Telegram with no
transaction open (``lucien.services.admin_free``). Rejecting is the one place a request
is ever declined. Typed values go through FSM wizards in the configured storage.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.access.config import get_config, stored_config
from lucien.bot.filters import Presses
from lucien.bot.ui import answer, open_screen, reply, show
from lucien.bot.visit import Visit, list_press
from lucien.bot.wizard import ask, digits, finish, kept, parsed, text_step
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
from lucien.voice.providers.validation import Form


class WaitWizard(StatesGroup):
    minutes = State()


class SocialWizard(StatesGroup):
    url = State()


class LinkWizard(StatesGroup):
    link = State()


at_free = Presses(S.FREE)


def _social(config: BotConfig) -> SocialLinks:
    return SocialLinks(config.instagram_url, config.tiktok_url, config.x_url)


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


@at_free.on(A.OPEN, A.CANCEL)
async def on_menu(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(query, await _menu(visit.runtime, visit.voice), state=visit.state)


on_queue = at_free.on(A.LIST)(list_press(_queue, leave_wizard=True))


@at_free.on(A.APPROVE_ALL)
async def on_approve_all(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(
        query, visit.voice.admin_free.approve_all_confirm(count=await _pending(visit.runtime))
    )


@at_free.on(A.REJECT_ALL)
async def on_reject_all(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(
        query, visit.voice.admin_free.reject_all_confirm(count=await _pending(visit.runtime))
    )


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


@at_free.on(A.APPROVE_ALL_OK)
async def on_approve_all_ok(query: CallbackQuery, visit: Visit) -> None:
    resumed = admin_free.approvals_resumed()
    if await _nothing_pending(query, visit.voice, visit.runtime, resumed=resumed):
        return
    done = await admin_free.approve_all(visit.runtime, actor_id=visit.user.id)
    await show(
        query, visit.voice.admin_free.approve_all_done(approved=done.done, failed=done.failed)
    )


@at_free.on(A.REJECT_ALL_OK)
async def on_reject_all_ok(query: CallbackQuery, visit: Visit) -> None:
    resumed = await admin_free.rejections_resumed()
    if await _nothing_pending(query, visit.voice, visit.runtime, resumed=resumed):
        return
    done = await admin_free.reject_all(visit.runtime, actor_id=visit.user.id)
    await show(query, visit.voice.admin_free.reject_all_done(count=done.done + done.closed))


@at_free.on(A.WAIT)
async def on_wait(query: CallbackQuery, visit: Visit) -> None:
    config = await stored_config(visit.runtime)
    question = visit.voice.admin_free.wait_ask(current=config.free_wait_minutes)
    await ask(query, visit, WaitWizard.minutes, question)


async def _set_wait(runtime: Runtime, user: User, state: FSMContext, minutes: int) -> None:
    async with runtime.sessions.begin() as session:
        await admin_free.set_wait(session, minutes, actor_id=user.id)
    await state.clear()


@at_free.on(A.WAIT_SET)
async def on_wait_set(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    minutes = digits(callback_data.arg)
    if minutes is None or minutes > WAIT_MAX:
        await answer(query, visit.voice.common.stale())
        return
    await _set_wait(visit.runtime, visit.user, visit.state, minutes)
    await open_screen(query, visit.voice.admin_free.wait_set(minutes=minutes))


@at_free.on(A.SOCIAL)
async def on_social(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(
        query,
        visit.voice.admin_free.social_menu(links=_social(await stored_config(visit.runtime))),
        state=visit.state,
    )


@at_free.on(A.SOCIAL_EDIT, arg_in=NETWORK_COLUMN)
async def on_social_edit(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    network = cast(Network, callback_data.arg)
    current = getattr(await stored_config(visit.runtime), NETWORK_COLUMN[network])
    question = visit.voice.admin_free.social_ask(network=network, current=current)
    await ask(query, visit, SocialWizard.url, question, data={"network": network})


@at_free.on(A.SOCIAL_CLEAR, arg_in=NETWORK_COLUMN)
async def on_social_clear(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    network = cast(Network, callback_data.arg)
    async with visit.runtime.sessions.begin() as session:
        await admin_free.set_social(session, network, None, actor_id=visit.user.id)
    await open_screen(
        query, visit.voice.admin_free.social_set(network=network, url=None), state=visit.state
    )


@at_free.on(A.LINK)
async def on_link(query: CallbackQuery, visit: Visit) -> None:
    config = await stored_config(visit.runtime)
    await visit.state.set_state(LinkWizard.link)
    await open_screen(
        query, visit.voice.admin_free.invite_link_ask(current=config.free_invite_link)
    )


@at_free.on(A.LINK_CLEAR)
async def on_link_clear(query: CallbackQuery, visit: Visit) -> None:
    async with visit.runtime.sessions.begin() as session:
        await admin_free.set_invite_link(session, None, actor_id=visit.user.id)
    await open_screen(query, visit.voice.admin_free.invite_link_set(link=None), state=visit.state)


# -- wizard steps ---------------------------------------------------------------------------


async def on_wait_minutes(message: Message, value: int, visit: Visit) -> None:
    minutes = value
    await _set_wait(visit.runtime, visit.user, visit.state, minutes)
    await reply(message, visit.voice.admin_free.wait_set(minutes=minutes))


async def on_social_url(message: Message, value: str, visit: Visit) -> None:
    data = await kept(message, visit, "network", NETWORK_COLUMN)
    if data is None:
        return
    network = cast(Network, data["network"])
    done = visit.voice.admin_free.social_set(network=network, url=value)
    change = partial(admin_free.set_social, network=network, url=value, actor_id=visit.user.id)
    await finish(message, visit, change, done)


async def on_invite_link(message: Message, value: str, visit: Visit) -> None:
    done = visit.voice.admin_free.invite_link_set(link=value)
    change = partial(admin_free.set_invite_link, link=value, actor_id=visit.user.id)
    await finish(message, visit, change, done)


def _refused(form: Form) -> Callable[[Voice, str], VoiceMessage]:
    return lambda voice, _: voice.validation.wrong_form(form, section=S.FREE)


def build() -> Router:
    router = Router(name="admin.free")
    at_free.register(router)
    wait = WaitWizard.minutes
    text_step(router, wait, on_wait_minutes, field="minutes", section=S.FREE, within=(0, WAIT_MAX))
    url = parsed(admin_free.clean_https_url, _refused("invalid_url"))
    text_step(router, SocialWizard.url, on_social_url, field="url", section=S.FREE, read=url)
    link = parsed(admin_free.clean_invite_link, _refused("invalid_invite_link"))
    text_step(router, LinkWizard.link, on_invite_link, field="url", section=S.FREE, read=link)
    return router
