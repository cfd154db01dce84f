"""Admin panel · observations: aggregate figures (VIP, invitations, Free, interests).

``open`` (also the "Actualizar" button) runs the aggregate queries of
:mod:`lucien.services.stats` and edits the message in place.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.bot.filters import Presses
from lucien.bot.ui import open_screen
from lucien.bot.visit import Visit
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.services import stats

at_stats = Presses(S.STATS)


@at_stats.on(A.OPEN, A.CANCEL)
async def on_open(query: CallbackQuery, visit: Visit) -> None:
    async with visit.runtime.sessions.begin() as session:
        data = await stats.collect(session)
    msg = visit.voice.stats.overview(data=data)
    await open_screen(query, msg)


def build() -> Router:
    router = Router(name="admin.stats")
    at_stats.register(router)
    return router
