"""The single bot configuration row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import BotConfig, utcnow
from lucien.db.upsert import insert_ignore
from lucien.runtime import Runtime

CONFIG_ID = 1


async def get_config(session: AsyncSession) -> BotConfig:
    """The configuration row, created with defaults the first time it is asked for."""
    config = await session.get(BotConfig, CONFIG_ID)
    if config is None:
        await session.execute(insert_ignore(session, BotConfig, {"id": CONFIG_ID}, ["id"]))
        config = (
            await session.execute(select(BotConfig).where(BotConfig.id == CONFIG_ID))
        ).scalar_one()
    return config


async def stored_config(runtime: Runtime) -> BotConfig:
    """The configuration as stored now, in its own short transaction (an update's ``config``
    may come from the cache; a screen that edits a setting shows the stored value)."""
    async with runtime.sessions.begin() as session:
        return await get_config(session)


async def update_config(session: AsyncSession, **values: Any) -> BotConfig:
    await get_config(session)
    await session.execute(
        update(BotConfig).where(BotConfig.id == CONFIG_ID).values(updated_at=utcnow(), **values)
    )
    return await session.get(BotConfig, CONFIG_ID, populate_existing=True)  # type: ignore[return-value]


def reminder_offsets(config: BotConfig) -> list[int]:
    """Hours before the end at which reminders go out, largest first."""
    hours = {int(p) for p in config.reminder_offsets_hours.split(",") if p.strip().isdigit()}
    return sorted((h for h in hours if h > 0), reverse=True)
