"""The one place a role is decided, in Python and in SQL.

A role is derived when an update is handled — env admins and owner-granted admins, then an
active subscription, then Free — never read from callback data or a cached column.
:func:`derive_role` decides it for one person; :func:`role_expr` is the same rule as a SQL
expression for lists (people by role); :func:`admin_ids` is everyone to notify. The values
themselves (:class:`~lucien.voice.data.Role`) belong to the vocabulary the views speak.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, case, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access.subscriptions import ACTIVE
from lucien.db.models import AdminGrant, Subscription, User, utcnow
from lucien.settings import Settings
from lucien.voice.data import Role

if TYPE_CHECKING:
    from lucien.cache import RoleFacts

__all__ = [
    "Role",
    "admin_ids",
    "derive_role",
    "granted_admin",
    "has_active_subscription",
    "is_admin",
    "is_env_admin",
    "is_granted_admin",
    "role_expr",
    "role_from_facts",
]


def is_env_admin(settings: Settings, user_id: int) -> bool:
    """An admin named in ``ADMIN_USER_IDS``: protected, only the environment changes it."""
    return user_id in settings.admin_ids


def granted_admin(user_id: int) -> ColumnElement[bool]:
    """ "``user_id`` holds an unrevoked grant", for conditional updates (never block one)."""
    return exists().where(AdminGrant.user_id == user_id, AdminGrant.revoked_at.is_(None))


async def is_granted_admin(session: AsyncSession, user_id: int) -> bool:
    return bool(await session.scalar(select(granted_admin(user_id))))


async def is_admin(session: AsyncSession, settings: Settings, user_id: int) -> bool:
    return is_env_admin(settings, user_id) or await is_granted_admin(session, user_id)


async def has_active_subscription(
    session: AsyncSession, user_id: int, now: datetime | None = None
) -> bool:
    now = now or utcnow()
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Subscription.user_id == user_id,
                    Subscription.status == ACTIVE,
                    Subscription.ends_at > now,
                )
            )
        )
    )


async def derive_role(
    session: AsyncSession, settings: Settings, user_id: int, now: datetime | None = None
) -> Role:
    if await is_admin(session, settings, user_id):
        return Role.ADMIN
    if await has_active_subscription(session, user_id, now):
        return Role.VIP
    return Role.FREE


def role_from_facts(
    settings: Settings, user_id: int, facts: RoleFacts | None, now: datetime | None = None
) -> Role:
    """:func:`derive_role` from facts already read (``lucien.cache``); None: an env admin."""
    if is_env_admin(settings, user_id) or (facts is not None and facts.granted_admin):
        return Role.ADMIN
    if facts is not None and facts.vip(now or utcnow()):
        return Role.VIP
    return Role.FREE


def role_expr(settings: Settings, now: datetime) -> ColumnElement[str]:
    """:func:`derive_role` for the ``users`` row in scope (correlated EXISTS), for lists."""
    env_ids = list(settings.admin_ids)
    env = User.id.in_(env_ids) if env_ids else false()
    granted = (
        exists()
        .where(AdminGrant.user_id == User.id, AdminGrant.revoked_at.is_(None))
        .correlate(User)
    )
    active = (
        exists()
        .where(
            Subscription.user_id == User.id,
            Subscription.status == ACTIVE,
            Subscription.ends_at > now,
        )
        .correlate(User)
    )
    return case(
        (or_(env, granted), Role.ADMIN.value), (active, Role.VIP.value), else_=Role.FREE.value
    )


async def admin_ids(session: AsyncSession, settings: Settings) -> list[int]:
    """Who the admins are right now (for notifications): env admins, then granted ones."""
    granted = await session.execute(
        select(AdminGrant.user_id).where(AdminGrant.revoked_at.is_(None)).order_by(AdminGrant.id)
    )
    ids = list(settings.admin_ids)
    for user_id in granted.scalars():
        if user_id not in ids:
            ids.append(user_id)
    return ids
