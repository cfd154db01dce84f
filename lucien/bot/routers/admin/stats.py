"""Admin panel · observations: aggregate figures (VIP, invitations, Free, interests).

``open`` (also the "Actualizar" button) runs the aggregate queries of
:mod:`lucien.services.stats` and edits the message in place.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.bot.filters import admin
from lucien.bot.ui import open_screen
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.runtime import Runtime
from lucien.services import stats
from lucien.voice import Voice


async def on_open(query: CallbackQuery, runtime: Runtime, voice: Voice) -> None:
    async with runtime.sessions.begin() as session:
        data = await stats.collect(session)
    msg = voice.stats.overview(data=data)
    await open_screen(query, msg)


def build() -> Router:
    router = Router(name="admin.stats")
    router.callback_query.register(on_open, admin(S.STATS, A.OPEN, A.CANCEL))
    return router
