"""Admin panel: ``/admin``, the admin main menu and the summary (dashboard).

Also the small helpers every admin section uses to show a screen: a button press edits
its message in place (``show``); a typed answer gets a new message (``reply``).

``admin_home_message(runtime, voice, user)`` is the admin greeting with the main menu and
what waits for attention (interests, Free requests, the summary's warnings), for ``/admin``
and ``/start`` as admin. The start router is consulted first and answers ``/admin`` itself
today; the handler here keeps ``/admin`` working should it stop doing so.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.bot.filters import Presses
from lucien.bot.ui import open_screen
from lucien.bot.visit import Visit
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import User
from lucien.runtime import Runtime
from lucien.services import dashboard
from lucien.voice import Voice
from lucien.voice.message import Message as VoiceMessage

log = logging.getLogger(__name__)


# -- the admin home --------------------------------------------------------------------------

at_main = Presses(S.MAIN)
at_dashboard = Presses(S.DASHBOARD)


async def admin_home_message(runtime: Runtime, voice: Voice, user: User) -> VoiceMessage:
    """The admin greeting with the main menu and what waits for attention (no Telegram
    calls: the channels' rights are checked on the summary screen only)."""
    data = await dashboard.collect(runtime)
    return voice.admin_main.home(
        name=user.first_name,
        interests_pending=data.interests_pending,
        free_pending=data.free_pending,
        warnings=len(data.warnings),
    )


@at_main.on(A.OPEN)
async def on_main(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(query, visit.voice.admin_main.menu_only())


@at_main.on(A.CANCEL)
async def on_cancel(query: CallbackQuery, visit: Visit) -> None:
    await visit.state.clear()
    await on_main(query, visit)


@at_dashboard.on(A.OPEN)
async def on_dashboard(query: CallbackQuery, visit: Visit) -> None:
    data = await dashboard.collect(visit.runtime, check_channels=True)
    await open_screen(query, visit.voice.dashboard.dashboard(data=data))


def build() -> Router:
    router = Router(name="admin.home")
    at_main.register(router)
    at_dashboard.register(router)
    return router
