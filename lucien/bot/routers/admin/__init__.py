"""The admin panel: one router per section, all behind the derived ADMIN role.

Each section registers one handler per action (``lucien.bot.filters.admin``). An admin
button whose action no section handles (an old button, a forged one) reaches
:func:`lucien.bot.ui.on_stale` — "no longer available" — and changes nothing. A non-admin's admin
callback never reaches these handlers; it falls through to the fallback router, which
answers politely and changes nothing. Only private chats reach the panel: an admin typing
or pressing in a group gets no screen there.
"""

from __future__ import annotations

from aiogram import Router

from lucien.bot.filters import ADMIN, PRIVATE_MESSAGE, PRIVATE_PRESS
from lucien.bot.routers.admin import (
    broadcast,
    config,
    content,
    diagnostics,
    free,
    home,
    interests,
    payments,
    stats,
    users,
    vip,
)
from lucien.bot.ui import on_stale
from lucien.callbacks import AdminCB

# diagnostics first: its commands are never taken for a wizard's typed input.
SECTIONS = (
    diagnostics,
    home,
    vip,
    free,
    content,
    interests,
    users,
    config,
    stats,
    payments,
    broadcast,
)


def build() -> Router:
    router = Router(name="admin")
    router.message.filter(PRIVATE_MESSAGE, ADMIN)
    router.callback_query.filter(PRIVATE_PRESS, ADMIN)
    router.include_routers(*(section.build() for section in SECTIONS))
    last = Router(name="admin.unknown")
    last.callback_query.register(on_stale, AdminCB.filter())
    router.include_router(last)
    return router
