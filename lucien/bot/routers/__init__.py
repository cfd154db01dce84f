"""Every router of the bot, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from lucien.bot.routers import admin, channels, fallback, ritual, start


def build_routers() -> list[Router]:
    # ritual before start: /start <token> and a ritual in progress take precedence.
    # fallback last: it answers whatever no one else handled.
    return [ritual.build(), channels.build(), admin.build(), start.build(), fallback.build()]
