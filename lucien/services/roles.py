"""The one place a role is decided.

A role is derived when an update is handled — env admins and owner-granted admins, then an
active subscription, then Free — never read from callback data or a cached column.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import AdminGrant, Subscription, utcnow
from lucien.settings import Settings

if TYPE_CHECKING:
    from lucien.cache import RoleFacts


class Role(enum.StrEnum):
    ADMIN = "admin"
    VIP = "vip"
    FREE = "free"


async def is_granted_admin(session: AsyncSession, user_id: int) -> bool:
    return bool(
        await session.scalar(
            select(exists().where(AdminGrant.user_id == user_id, AdminGrant.revoked_at.is_(None)))
        )
    )


async def has_active_subscription(
    session: AsyncSession, user_id: int, now: datetime | None = None
) -> bool:
    now = now or utcnow()
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Subscription.user_id == user_id,
                    Subscription.status == "active",
                    Subscription.ends_at > now,
                )
            )
        )
    )


async def derive_role(
    session: AsyncSession, settings: Settings, user_id: int, now: datetime | None = None
) -> Role:
    if user_id in settings.admin_ids or await is_granted_admin(session, user_id):
        return Role.ADMIN
    if await has_active_subscription(session, user_id, now):
        return Role.VIP
    return Role.FREE


def role_from_facts(
    settings: Settings, user_id: int, facts: RoleFacts | None, now: datetime | None = None
) -> Role:
    """``derive_role`` from facts already read (``lucien.cache``); None: an env admin."""
    if user_id in settings.admin_ids or (facts is not None and facts.granted_admin):
        return Role.ADMIN
    if facts is not None and facts.vip(now or utcnow()):
        return Role.VIP
    return Role.FREE
