"""The VIP member menu: the Diván's content, package detail, membership status, renewal.

Every handler sits behind the VIP filter (the role derived for this update), so a Free
visitor's forged ``VipCB`` never reaches them: it falls through to the fallback router's
polite refusal and nothing is shown or changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.payments import plans_on_sale
from lucien.access.plans import get_plan
from lucien.access.subscriptions import current_subscription
from lucien.bot.filters import VIP
from lucien.bot.routers.members import interest
from lucien.bot.routers.members.catalogue import VIP_CATALOGUE, MenuPress, audience_router
from lucien.bot.routers.members.ui import vip_menu
from lucien.bot.ui import answer, open_screen, show
from lucien.callbacks import VipAction, VipCB
from lucien.db.models import BotConfig, Subscription, User
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.message import Message as VoiceMessage


async def on_menu(query: CallbackQuery, runtime: Runtime, user: User, voice: Voice) -> None:
    shown = await vip_menu(runtime, user, voice)
    if shown is None:  # the membership ended between the filter and here
        await answer(query, voice.common.vip_only())
        return
    await open_screen(query, shown)


Screen = Callable[[AsyncSession, Subscription], Awaitable[VoiceMessage]]


async def _about_period(
    query: CallbackQuery, runtime: Runtime, user: User, voice: Voice, screen: Screen
) -> None:
    """A screen about the running membership, read in one session; the VIP-only alert when it
    ended between the filter and here."""
    async with runtime.sessions() as session:
        sub = await current_subscription(session, user.id)
        shown = await screen(session, sub) if sub is not None else None
    if shown is None:
        await answer(query, voice.common.vip_only())
        return
    await query.answer()
    await show(query, shown)


async def on_status(query: CallbackQuery, runtime: Runtime, user: User, voice: Voice) -> None:
    async def status(session: AsyncSession, sub: Subscription) -> VoiceMessage:
        plan = await get_plan(session, sub.plan_id) if sub.plan_id else None
        return voice.menus.vip_status(
            plan_name=plan.name if plan else None, started_at=sub.started_at, ends_at=sub.ends_at
        )

    await _about_period(query, runtime, user, voice, status)


async def on_renew(
    query: CallbackQuery, runtime: Runtime, user: User, config: BotConfig, voice: Voice
) -> None:
    async def renew(session: AsyncSession, sub: Subscription) -> VoiceMessage:
        return voice.menus.vip_renew(
            ends_at=sub.ends_at,
            creator_username=config.creator_username,
            offers=await plans_on_sale(session),
        )

    await _about_period(query, runtime, user, voice, renew)


def build() -> Router:
    presses: dict[VipAction, MenuPress] = {
        VipAction.MENU: on_menu,
        VipAction.STATUS: on_status,
        VipAction.RENEW: on_renew,
        VipAction.RENEW_INTEREST: interest.on_circle_interest,
    }
    return audience_router("members.vip", VIP, VIP_CATALOGUE, VipCB, presses)
