"""Admin panel › Free: the join-request queue, approve/reject all, the wait time, Diana's
social links and the Free channel invite link.

Approving and rejecting everything pending are the only bulk Telegram actions here; both
confirm first, claim the rows atomically (like the cron) and call Telegram with no
transaction open (``lucien.services.admin_free``). Rejecting is the one place a request
is ever declined. Typed values go through FSM wizards in the configured storage.
"""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.access.config import get_config
from lucien.bot.ui import answer, reply, show
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

_DIGITS = re.compile(r"^\d{1,9}$")


class WaitWizard(StatesGroup):
    minutes = State()


class SocialWizard(StatesGroup):
    url = State()


class LinkWizard(StatesGroup):
    link = State()


def not_command(message: Message) -> bool:
    return not (message.text or "").startswith("/")


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


async def on_free(
    query: CallbackQuery,
    callback_data: AdminCB,
    user: User,
    voice: Voice,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    action, arg = callback_data.action, callback_data.arg
    if action in (A.OPEN, A.CANCEL):
        await state.clear()
        await answer(query)
        await show(query, await _menu(runtime, voice))
    elif action == A.LIST:
        await state.clear()
        await answer(query)
        await show(query, await _queue(runtime, voice, arg, callback_data.page))
    elif action == A.APPROVE_ALL:
        await answer(query)
        await show(query, voice.admin_free.approve_all_confirm(count=await _pending(runtime)))
    elif action == A.REJECT_ALL:
        await answer(query)
        await show(query, voice.admin_free.reject_all_confirm(count=await _pending(runtime)))
    elif action in (A.APPROVE_ALL_OK, A.REJECT_ALL_OK):
        if not await _pending(runtime):
            await answer(query)
            await show(query, voice.admin_free.nothing_pending())
            return
        await answer(query, voice.common.working())  # before the (possibly long) work
        if action == A.APPROVE_ALL_OK:
            done = await admin_free.approve_all(runtime, actor_id=user.id)
            shown = voice.admin_free.approve_all_done(approved=done.done, failed=done.failed)
        else:
            done = await admin_free.reject_all(runtime, actor_id=user.id)
            shown = voice.admin_free.reject_all_done(count=done.done + done.closed)
        await show(query, shown)
    elif action == A.WAIT:
        config = await _config(runtime)
        await state.set_state(WaitWizard.minutes)
        await answer(query)
        await show(query, voice.admin_free.wait_ask(current=config.free_wait_minutes))
    elif action == A.WAIT_SET:
        minutes = int(arg) if _DIGITS.match(arg) else -1
        if not 0 <= minutes <= WAIT_MAX:
            await answer(query, voice.common.stale())
            return
        async with runtime.sessions.begin() as session:
            await admin_free.set_wait(session, minutes, actor_id=user.id)
        await state.clear()
        await answer(query)
        await show(query, voice.admin_free.wait_set(minutes=minutes))
    elif action == A.SOCIAL:
        await state.clear()
        await answer(query)
        await show(query, voice.admin_free.social_menu(links=_social(await _config(runtime))))
    elif action in (A.SOCIAL_EDIT, A.SOCIAL_CLEAR):
        network = _network(arg)
        if network is None:
            await answer(query, voice.common.stale())
            return
        if action == A.SOCIAL_EDIT:
            current = getattr(await _config(runtime), NETWORK_COLUMN[network])
            await state.set_state(SocialWizard.url)
            await state.set_data({"network": network})
            await answer(query)
            await show(query, voice.admin_free.social_ask(network=network, current=current))
            return
        async with runtime.sessions.begin() as session:
            await admin_free.set_social(session, network, None, actor_id=user.id)
        await state.clear()
        await answer(query)
        await show(query, voice.admin_free.social_set(network=network, url=None))
    elif action == A.LINK:
        config = await _config(runtime)
        await state.set_state(LinkWizard.link)
        await answer(query)
        await show(query, voice.admin_free.invite_link_ask(current=config.free_invite_link))
    elif action == A.LINK_CLEAR:
        async with runtime.sessions.begin() as session:
            await admin_free.set_invite_link(session, None, actor_id=user.id)
        await state.clear()
        await answer(query)
        await show(query, voice.admin_free.invite_link_set(link=None))
    else:
        await answer(query, voice.common.stale())


# -- wizard steps ---------------------------------------------------------------------------


async def on_wait_minutes(
    message: Message, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    text = (message.text or "").strip()
    if message.text is None:
        await reply(message, voice.validation.text_required(field="minutes", section=S.FREE))
        return
    if not _DIGITS.match(text):
        await reply(
            message,
            voice.validation.not_a_number(
                field="minutes", minimum=0, maximum=WAIT_MAX, section=S.FREE
            ),
        )
        return
    minutes = int(text)
    if minutes > WAIT_MAX:
        await reply(
            message,
            voice.validation.out_of_range(
                field="minutes", minimum=0, maximum=WAIT_MAX, section=S.FREE
            ),
        )
        return
    async with runtime.sessions.begin() as session:
        await admin_free.set_wait(session, minutes, actor_id=user.id)
    await state.clear()
    await reply(message, voice.admin_free.wait_set(minutes=minutes))


async def on_social_url(
    message: Message, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    network = _network(str((await state.get_data()).get("network", "")))
    if network is None:
        await state.clear()
        await reply(message, voice.common.stale_message())
        return
    if message.text is None:
        await reply(message, voice.validation.text_required(field="url", section=S.FREE))
        return
    url = admin_free.clean_https_url(message.text)
    if url is None:
        await reply(message, voice.validation.invalid_url(section=S.FREE))
        return
    async with runtime.sessions.begin() as session:
        await admin_free.set_social(session, network, url, actor_id=user.id)
    await state.clear()
    await reply(message, voice.admin_free.social_set(network=network, url=url))


async def on_invite_link(
    message: Message, user: User, voice: Voice, runtime: Runtime, state: FSMContext
) -> None:
    if message.text is None:
        await reply(message, voice.validation.text_required(field="url", section=S.FREE))
        return
    link = admin_free.clean_invite_link(message.text)
    if link is None:
        await reply(message, voice.validation.invalid_invite_link(section=S.FREE))
        return
    async with runtime.sessions.begin() as session:
        await admin_free.set_invite_link(session, link, actor_id=user.id)
    await state.clear()
    await reply(message, voice.admin_free.invite_link_set(link=link))


def build() -> Router:
    router = Router(name="admin.free")
    router.callback_query.register(on_free, AdminCB.filter(F.section == S.FREE))
    msg = router.message
    msg.register(on_wait_minutes, WaitWizard.minutes, not_command)
    msg.register(on_social_url, SocialWizard.url, not_command)
    msg.register(on_invite_link, LinkWizard.link, not_command)
    return router
