"""Free channel join requests: one pending request per user, never declined.

The request is recorded with an insert-ignore on the partial unique index
``uq_join_requests_pending`` (one *pending* row per user and channel), so a repeated
request — or a redelivered update — is only acknowledged. The cron approves requests
once they have waited ``free_wait_minutes`` (``lucien.jobs.free_approvals``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import JoinRequest, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_for

PENDING = "pending"
APPROVED = "approved"
CLOSED = "closed"  # Telegram said there is nothing to approve (already in, withdrawn…)
FAILED = "failed"  # gave up after the maximum number of attempts
DECLINED = "declined"  # an admin rejected it from the panel
FINISHED = (APPROVED, CLOSED, FAILED, DECLINED)


async def record_request(
    session: AsyncSession, user_id: int, chat_id: int, now: datetime | None = None
) -> bool:
    """Record a pending request; False when one is already pending (a repeat)."""
    now = now or utcnow()
    stmt = (
        insert_for(session, JoinRequest)
        .values(user_id=user_id, chat_id=chat_id, requested_at=now, status=PENDING, attempts=0)
        .on_conflict_do_nothing(
            index_elements=["user_id", "chat_id"], index_where=text("status = 'pending'")
        )
    )
    result = await session.execute(stmt)
    return rowcount(result) == 1


async def pending_request(session: AsyncSession, user_id: int, chat_id: int) -> JoinRequest | None:
    found = await session.execute(
        select(JoinRequest).where(
            JoinRequest.user_id == user_id,
            JoinRequest.chat_id == chat_id,
            JoinRequest.status == PENDING,
        )
    )
    return found.scalar_one_or_none()


async def count_pending(session: AsyncSession, chat_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(JoinRequest).where(JoinRequest.status == PENDING)
    if chat_id is not None:
        stmt = stmt.where(JoinRequest.chat_id == chat_id)
    return int(await session.scalar(stmt) or 0)
