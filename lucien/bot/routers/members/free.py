"""The Free visitor menu: the garden's content, package detail, the VIP circle, Diana's
social profiles.

Behind the FREE filter. Only FREE_CONTENT packages are ever listed or opened here, so no
callback data, forged or not, shows a visitor what belongs to the Diván.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.access.payments import plans_on_sale
from lucien.access.plans import list_plans
from lucien.bot.filters import FREE
from lucien.bot.routers.members import interest
from lucien.bot.routers.members.catalogue import FREE_CATALOGUE, MenuPress, audience_router
from lucien.bot.routers.members.ui import free_menu, social_of
from lucien.bot.ui import open_screen
from lucien.callbacks import FreeAction, FreeCB
from lucien.db.models import BotConfig, User
from lucien.runtime import Runtime
from lucien.voice import Voice
from lucien.voice.data import PlanCard


async def on_menu(query: CallbackQuery, user: User, config: BotConfig, voice: Voice) -> None:
    await open_screen(query, free_menu(user, config, voice))


async def on_circle(
    query: CallbackQuery, runtime: Runtime, config: BotConfig, voice: Voice
) -> None:
    async with runtime.sessions() as session:
        plans = await list_plans(session, active_only=True)
        offers = await plans_on_sale(session)
    cards = [
        PlanCard(id=p.id, name=p.name, days=p.days, price=p.price, currency=p.currency)
        for p in plans
    ]
    await open_screen(
        query,
        voice.menus.circle(plans=cards, creator_username=config.creator_username, offers=offers),
    )


async def on_social(query: CallbackQuery, config: BotConfig, voice: Voice) -> None:
    await open_screen(query, voice.menus.social(links=social_of(config), audience="free"))


def build() -> Router:
    presses: dict[FreeAction, MenuPress] = {
        FreeAction.MENU: on_menu,
        FreeAction.CIRCLE: on_circle,
        FreeAction.CIRCLE_INTEREST: interest.on_circle_interest,
        FreeAction.SOCIAL: on_social,
    }
    return audience_router("members.free", FREE, FREE_CATALOGUE, FreeCB, presses)
