"""The catalogue screens both audiences share: a page of packages, one package, "Me interesa".

One implementation, two catalogues: the VIP one (VIP_CONTENT and VIP_PREMIUM) and the Free
one (FREE_CONTENT). Which packages a person may see is decided by the catalogue the router
was built with — never by the callback data — so no button opens the other audience's list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery

from lucien.bot.routers.members import interest
from lucien.bot.ui import answer, on_stale, show
from lucien.bot.visit import Visit
from lucien.callbacks import FreeAction, FreeCB, VipAction, VipCB
from lucien.runtime import Runtime
from lucien.services import packages
from lucien.voice import Voice
from lucien.voice.data import Page

PER_PAGE = 6


@dataclass(frozen=True)
class Catalogue:
    audience: Literal["vip", "free"]
    categories: Sequence[str]

    async def on_content(
        self, query: CallbackQuery, callback_data: VipCB | FreeCB, runtime: Runtime, voice: Voice
    ) -> None:
        async with runtime.sessions() as session:
            found = await packages.list_packages(
                session,
                categories=self.categories,
                active=True,
                page=callback_data.page,
                per_page=PER_PAGE,
            )
        await query.answer()
        await show(
            query,
            voice.menus.content(
                audience=self.audience,
                packages=[packages.card(p) for p in found.items],
                page=Page.of(found.total, found.page, PER_PAGE),
            ),
        )

    async def on_package(
        self, query: CallbackQuery, callback_data: VipCB | FreeCB, runtime: Runtime, voice: Voice
    ) -> None:
        async with runtime.sessions() as session:
            package = await packages.get_visible(session, callback_data.id, self.categories)
        if package is None:
            await answer(query, voice.common.not_found_alert("package"))
            return
        await query.answer()
        await show(
            query,
            voice.menus.package(
                audience=self.audience, package=packages.card(package), page=callback_data.page
            ),
        )

    async def on_interest(
        self, query: CallbackQuery, callback_data: VipCB | FreeCB, visit: Visit
    ) -> None:
        await interest.express(query, visit, callback_data.id, self.categories)

    def register(
        self, router: Router, factory: type[VipCB | FreeCB], actions: type[VipAction | FreeAction]
    ) -> None:
        """Route the audience's catalogue buttons (the same three actions in both menus)."""
        cb = factory.filter
        router.callback_query.register(self.on_content, cb(F.action == actions.CONTENT))
        router.callback_query.register(self.on_package, cb(F.action == actions.PACKAGE))
        router.callback_query.register(self.on_interest, cb(F.action == actions.INTEREST))


VIP_CATALOGUE = Catalogue("vip", packages.VIP_CATEGORIES)
FREE_CATALOGUE = Catalogue("free", packages.FREE_CATEGORIES)


Action = TypeVar("Action", VipAction, FreeAction)
MenuPress = Callable[..., Awaitable[None]]


def audience_router(
    name: str,
    role: Filter,
    catalogue: Catalogue,
    factory: type[VipCB | FreeCB],
    presses: Mapping[Action, MenuPress],
) -> Router:
    """One audience's menu buttons, for ``role`` only: the catalogue's, the handler of
    each of its own ``presses`` (by action), and any other of its buttons is stale."""
    router = Router(name=name)
    router.callback_query.filter(role)
    catalogue.register(router, factory, VipAction if factory is VipCB else FreeAction)
    for action, handler in presses.items():
        router.callback_query.register(handler, factory.filter(F.action == action))
    router.callback_query.register(on_stale, factory.filter())
    return router
