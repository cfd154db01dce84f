"""Users as Telegram describes them, kept fresh on every update."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.db.models import User, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import upsert


@dataclass(frozen=True)
class TelegramIdentity:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


async def touch_user(
    session: AsyncSession, who: TelegramIdentity, *, reachable: bool = False
) -> User:
    """Create or refresh the user in one statement (safe under concurrent updates).

    ``reachable``: the person just wrote to the bot in private, so they can be messaged
    again even if an earlier message was refused.
    """
    now = utcnow()
    values = {
        "id": who.id,
        "first_name": (who.first_name or "")[:256],
        "last_name": who.last_name[:256] if who.last_name else None,
        "username": who.username,
        "language_code": who.language_code,
        "first_seen_at": now,
        "last_seen_at": now,
        "is_blocked": False,
        "blocked_notice_sent": False,
        "unreachable": False,
    }
    stmt = upsert(
        session,
        User,
        values,
        ["id"],
        ["first_name", "last_name", "username", "language_code", "last_seen_at"]
        + (["unreachable"] if reachable else []),
    )
    # One round trip: the upsert hands back the row as it now stands.
    return (
        await session.scalars(stmt.returning(User), execution_options={"populate_existing": True})
    ).one()


async def claim_blocked_notice(session: AsyncSession, user_id: int) -> bool:
    """True once per block: the caller may tell the user, then never again."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.is_blocked.is_(True), User.blocked_notice_sent.is_(False))
        .values(blocked_notice_sent=True)
    )
    return rowcount(result) == 1


async def mark_unreachable(session: AsyncSession, user_id: int, unreachable: bool = True) -> None:
    await session.execute(update(User).where(User.id == user_id).values(unreachable=unreachable))
