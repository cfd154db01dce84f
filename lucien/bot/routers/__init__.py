"""Every router of the bot, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from lucien.bot.routers import channels, ritual, start


def build_routers() -> list[Router]:
    # ritual before start: /start <token> and a ritual in progress take precedence.
    return [ritual.build(), channels.build(), start.build()]
