"""Invitations and the entry ritual: ``/start <token>``, resuming the ritual, its buttons.

Registered before the generic ``start`` router: ``/start <payload>`` always lands here, and
``/start`` / ``/menu`` land here only while the member's ritual is in progress (the
``ritual_pending`` filter); everything else falls through to the generic greeting.
"""

from __future__ import annotations

import logging
from typing import cast

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from lucien.access import ritual
from lucien.access.links import personal_link
from lucien.access.ratelimit import REDEEM_FAILURES
from lucien.access.redemption import Outcome, redeem
from lucien.access.ritual import RitualState
from lucien.access.roles import Role
from lucien.bot.ui import answer, open_screen, reply, show
from lucien.callbacks import RitualCB
from lucien.db.models import BotConfig, Plan, User
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.message import Message as VoiceMessage
from lucien.voice.providers.start import ClosedBecause

log = logging.getLogger(__name__)

INSIDE = ("member", "administrator", "creator")


def _full_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name or "") if p)


async def _menu_for(
    user: User, role: Role, config: BotConfig, voice: Voice, runtime: Runtime
) -> VoiceMessage:
    """The menu of the member's derived role (after an answer that is not a ritual)."""
    if role is Role.ADMIN:
        return voice.admin_main.menu_only()
    if role is Role.VIP:
        async with runtime.sessions.begin() as session:
            state = await ritual.current_state(session, user.id)
        if state is not None:
            return voice.menus.vip(name=user.first_name, ends_at=state.ends_at)
    has_social = bool(config.instagram_url or config.tiktok_url or config.x_url)
    return voice.menus.free(name=user.first_name, has_social=has_social)


async def _in_channel(runtime: Runtime, chat_id: int, user_id: int) -> bool:
    try:
        member = await runtime.bot.get_chat_member(chat_id, user_id)
    except TelegramBadRequest:
        return False
    return member.status in INSIDE or bool(getattr(member, "is_member", False))


async def render_stage(
    runtime: Runtime,
    user: User,
    config: BotConfig,
    voice: Voice,
    state: RitualState,
    *,
    resumed: bool,
) -> VoiceMessage:
    """The message for the stage the member is at (stage 3 makes or reuses the link)."""
    sub_id = state.subscription_id
    if state.stage == 1:
        async with runtime.sessions.begin() as session:
            plan = await session.get(Plan, state.plan_id) if state.plan_id else None
        return voice.ritual.stage1(
            name=user.first_name,
            plan_name=plan.name if plan else "—",
            ends_at=state.ends_at,
            days=plan.days if plan else 0,
            sub_id=sub_id,
            resumed=resumed,
        )
    if state.stage == 2:
        return voice.ritual.stage2(sub_id=sub_id, resumed=resumed)
    channel = config.vip_channel_id
    if channel is None:
        return voice.ritual.link_unavailable(sub_id=sub_id)
    if await _in_channel(runtime, channel, user.id):
        # Already inside (e.g. renewed before the removal): nothing left to open.
        async with runtime.sessions.begin() as session:
            await ritual.complete(session, user.id, subscription_id=sub_id)
        return voice.ritual.joined(name=user.first_name)
    try:
        link = await personal_link(
            runtime,
            user_id=user.id,
            full_name=_full_name(user),
            chat_id=channel,
            subscription_id=sub_id,
        )
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        log.warning("no personal link for %s: %s", user.id, exc)
        return voice.ritual.link_unavailable(sub_id=sub_id)
    return voice.ritual.stage3(
        link=link.link, expires_at=link.expires_at, sub_id=sub_id, resumed=resumed
    )


# -- /start <token> ---------------------------------------------------------------------


async def on_redeem(
    message: Message,
    command: CommandObject,
    user: User,
    role: Role,
    config: BotConfig,
    voice: Voice,
    runtime: Runtime,
) -> None:
    result = await redeem(runtime, user.id, (command.args or "").strip())
    creator = config.creator_username
    answer: VoiceMessage
    follow_up: VoiceMessage | None = None
    match result.outcome:
        case Outcome.NEW:
            assert result.subscription_id is not None and result.ends_at is not None
            state = RitualState(result.subscription_id, 1, result.ends_at, None)
            answer = voice.ritual.stage1(
                name=user.first_name,
                plan_name=result.plan_name or "—",
                ends_at=result.ends_at,
                days=result.plan_days or 0,
                sub_id=state.subscription_id,
            )
        case Outcome.EXTENDED:
            assert result.ends_at is not None
            answer = voice.start.invitation_extended(
                name=user.first_name,
                plan_name=result.plan_name or "—",
                added_days=result.plan_days or 0,
                ends_at=result.ends_at,
            )
        case Outcome.USED | Outcome.REVOKED | Outcome.PLAN_INACTIVE:
            why = cast(ClosedBecause, result.outcome.value)
            answer = voice.start.invitation_closed(why=why, creator_username=creator)
        case Outcome.EXPIRED:
            assert result.redeem_by is not None
            answer = voice.start.invitation_expired(
                redeem_by=result.redeem_by, creator_username=creator
            )
        case Outcome.LIMITED:
            answer = voice.start.invitation_rate_limited(
                retry_minutes=REDEEM_FAILURES.window_seconds // 60
            )
        case _:
            answer = voice.start.invitation_unknown()
            follow_up = await _menu_for(user, role, config, voice, runtime)
    await reply(message, answer)
    if follow_up is not None:
        await reply(message, follow_up)


# -- /start while the ritual is in progress ---------------------------------------------


async def ritual_pending(
    message: Message, runtime: Runtime, role: Role | None = None
) -> dict[str, RitualState] | bool:
    """Filter: the sender is a member whose ritual is not complete."""
    if role is not Role.VIP or message.from_user is None:
        return False
    state = await ritual.in_progress(runtime, message.from_user.id)
    return {"ritual_state": state} if state is not None else False


async def on_resume(
    message: Message,
    ritual_state: RitualState,
    user: User,
    config: BotConfig,
    voice: Voice,
    runtime: Runtime,
) -> None:
    shown = await render_stage(runtime, user, config, voice, ritual_state, resumed=True)
    await reply(message, shown)


# -- the ritual's buttons ---------------------------------------------------------------


async def on_ritual_button(
    query: CallbackQuery,
    callback_data: RitualCB,
    user: User,
    config: BotConfig,
    voice: Voice,
    runtime: Runtime,
) -> None:
    stage = callback_data.stage
    if stage in (1, 2):
        step = await ritual.advance(runtime, user.id, callback_data.sub, stage)
    else:  # stage 3: show (or replace) the link; nothing to advance
        step = ritual.Step(False, await ritual.in_progress(runtime, user.id))
        if (
            step.state is not None
            and step.state.subscription_id == callback_data.sub
            and step.state.stage == stage
        ):
            await query.answer()
            await show(
                query, await render_stage(runtime, user, config, voice, step.state, resumed=False)
            )
            return
    state = step.state
    if step.advanced:
        assert state is not None
        await open_screen(
            query, await render_stage(runtime, user, config, voice, state, resumed=False)
        )
        return
    if state is None or not state.in_progress:
        await answer(query, voice.common.stale())
        return
    # An old or repeated button: nothing changes; the current stage is shown again.
    await answer(query, voice.ritual.stale())
    await show(query, await render_stage(runtime, user, config, voice, state, resumed=True))


def build() -> Router:
    router = Router(name="ritual")
    router.message.register(on_redeem, CommandStart(deep_link=True))
    router.message.register(on_resume, CommandStart(), ritual_pending)
    router.message.register(on_resume, Command("menu"), ritual_pending)
    router.callback_query.register(on_ritual_button, RitualCB.filter())
    return router
