"""Every router of the bot, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from lucien.bot.routers import start


def build_routers() -> list[Router]:
    return [start.build()]
