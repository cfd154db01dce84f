"""Member menus: the VIP member's (``VipCB``) and the Free visitor's (``FreeCB``).

Each audience has its own router behind its role filter. A Free button pressed by someone
whose role has changed since (now VIP, or a custodian) is answered as outdated and their
own menu is shown in its place; a VIP button pressed by a non-VIP falls through to the
fallback router's refusal.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.access.roles import Role
from lucien.bot.filters import RoleIs
from lucien.bot.routers.members import free, vip
from lucien.bot.routers.members.ui import menu_for
from lucien.bot.ui import answer, show
from lucien.bot.visit import Visit
from lucien.callbacks import FreeCB


async def on_free_button_elsewhere(query: CallbackQuery, visit: Visit) -> None:
    await answer(query, visit.voice.common.stale())
    await show(query, await menu_for(visit))


def build() -> Router:
    router = Router(name="members")
    moved_on = Router(name="members.moved_on")
    moved_on.callback_query.register(
        on_free_button_elsewhere, FreeCB.filter(), RoleIs(Role.VIP, Role.ADMIN)
    )
    router.include_routers(vip.build(), free.build(), moved_on)
    return router
