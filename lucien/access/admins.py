"""Who the admins are right now (for notifications): env admins, then granted ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import AdminGrant
from lucien.settings import Settings


async def admin_ids(session: AsyncSession, settings: Settings) -> list[int]:
    granted = await session.execute(
        select(AdminGrant.user_id).where(AdminGrant.revoked_at.is_(None)).order_by(AdminGrant.id)
    )
    ids = list(settings.admin_ids)
    for user_id in granted.scalars():
        if user_id not in ids:
            ids.append(user_id)
    return ids
