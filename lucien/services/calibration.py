"""Admin · calibration: the configuration fields other than the channels, validated and audited.

Each setter is one transaction: the new value and an audit entry (``config.update`` with
the field's value before and after). The two switches flip in one conditional statement
(``SET x = NOT x … RETURNING x``), so two taps never lose one another.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import not_, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.config import CONFIG_ID, get_config, reminder_offsets, update_config
from lucien.db.models import BotConfig, utcnow
from lucien.journal import effect

TIMEZONE_MAX = 64
OFFSETS_MAX_COUNT = 5
OFFSETS_MAX_HOURS = 720
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
#: What clears the creator's username.
CLEAR_WORDS = frozenset({"-", "—", "ninguno", "ninguna", "borrar"})


def parse_timezone(text: str | None) -> str | None:
    """An IANA zone name (``America/Mexico_City``), or None."""
    value = (text or "").strip()
    if not value or len(value) > TIMEZONE_MAX or ".." in value or value.startswith("/"):
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return value


def parse_offsets(text: str | None) -> tuple[int, ...] | None:
    """``"72, 24"`` → ``(72, 24)``: 1-5 distinct whole hours in 1..720, largest first."""
    parts = [p.strip() for p in (text or "").split(",")]
    if not parts or any(not p.isdigit() or len(p) > 4 for p in parts):
        return None
    hours = {int(p) for p in parts}
    if not 1 <= len(parts) <= OFFSETS_MAX_COUNT:
        return None
    if any(not 1 <= h <= OFFSETS_MAX_HOURS for h in hours):
        return None
    return tuple(sorted(hours, reverse=True))


def parse_username(text: str | None) -> str | bool | None:
    """A Telegram username without ``@``; ``True`` for a word that clears it; None if invalid."""
    value = (text or "").strip()
    if value.lower() in CLEAR_WORDS:
        return True
    found = _USERNAME.match(value)
    return found.group(1) if found else None


async def _set(session: AsyncSession, field: str, value: Any, *, actor_id: int) -> BotConfig:
    config = await get_config(session)
    before = getattr(config, field)
    updated = await update_config(session, **{field: value})
    target = ("config", field)
    await audit.change(session, "config.update", target, field, (before, value), actor_id=actor_id)
    return updated


async def set_timezone(session: AsyncSession, timezone: str, *, actor_id: int) -> BotConfig:
    return await _set(session, "timezone", timezone, actor_id=actor_id)


async def set_offsets(
    session: AsyncSession, offsets: tuple[int, ...], *, actor_id: int
) -> BotConfig:
    value = ",".join(str(h) for h in offsets)
    return await _set(session, "reminder_offsets_hours", value, actor_id=actor_id)


async def set_creator(session: AsyncSession, username: str | None, *, actor_id: int) -> BotConfig:
    return await _set(session, "creator_username", username, actor_id=actor_id)


@effect("config.toggle")
async def toggle(session: AsyncSession, field: str, *, actor_id: int) -> bool:
    """Flip ``dry_run`` or ``notify_unauthorized_joins``; returns the new value."""
    if field not in ("dry_run", "notify_unauthorized_joins"):
        raise ValueError(field)
    await get_config(session)
    column = getattr(BotConfig, field)
    new = (
        await session.execute(
            update(BotConfig)
            .where(BotConfig.id == CONFIG_ID)
            .values({field: not_(column), "updated_at": utcnow()})
            .returning(column)
        )
    ).scalar_one()
    values = (not new, bool(new))
    await audit.change(
        session, "config.update", ("config", field), field, values, actor_id=actor_id
    )
    return bool(new)


def offsets_of(config: BotConfig) -> tuple[int, ...]:
    return tuple(reminder_offsets(config))
