"""Admin panel section: stats (handlers arrive with the admin panel work)."""

from __future__ import annotations

from aiogram import Router


def build() -> Router:
    return Router(name="admin.stats")
