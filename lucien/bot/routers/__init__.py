"""Every router of the bot, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from lucien.bot.routers import admin, channels, fallback, members, ritual, start


def build_routers() -> list[Router]:
    # ritual before start: /start <token> and a ritual in progress take precedence.
    # start before admin: /cancel and the other commands are never taken for wizard input.
    # fallback last: it answers whatever no one else handled.
    return [
        ritual.build(),
        channels.build(),
        start.build(),
        admin.build(),
        members.build(),
        fallback.build(),
    ]
