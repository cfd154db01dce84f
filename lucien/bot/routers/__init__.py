"""Every router of the bot, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from lucien.bot.routers import admin, channels, fallback, members, payments, ritual, start


def build_routers() -> list[Router]:
    # ritual before start: /start <token> and a ritual in progress take precedence.
    # start before admin: /cancel and the other commands are never taken for wizard input.
    # fallback last: it answers whatever no one else handled.
    # payments first: a payment is never taken for a wizard's answer (it matches nothing else).
    return [
        payments.build(),
        ritual.build(),
        channels.build(),
        start.build(),
        admin.build(),
        members.build(),
        fallback.build(),
    ]
