"""The admin panel: one router per section, all behind the derived ADMIN role.

A non-admin's admin callback never reaches these handlers; it falls through to the
fallback router, which answers politely and changes nothing.
"""

from __future__ import annotations

from aiogram import Router

from lucien.bot.filters import ADMIN
from lucien.bot.routers.admin import (
    broadcast,
    config,
    content,
    diagnostics,
    free,
    home,
    interests,
    stats,
    users,
    vip,
)

# diagnostics first: its commands are never taken for a wizard's typed input.
SECTIONS = (diagnostics, home, vip, free, content, interests, users, config, stats, broadcast)


def build() -> Router:
    router = Router(name="admin")
    router.message.filter(ADMIN)
    router.callback_query.filter(ADMIN)
    router.include_routers(*(section.build() for section in SECTIONS))
    return router
