"""Admin · broadcast: publish a draft once, and write it down.

The draft (the admin's own message: chat id + message id) lives in the FSM between
requests. Publishing is claimed first with one conditional insert on a unique key (the
``rate_limits`` table doubles as a table of one-time claims, ``once:broadcast:…``), so a
double tap on "Publicar" — two requests at once — copies the post to the channel once.
A failed copy releases the claim so the admin can try again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.db.models import RateLimit, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore


def claim_key(target: str, from_chat_id: int, message_id: int) -> str:
    return f"once:broadcast:{target}:{from_chat_id}:{message_id}"


async def claim(session: AsyncSession, key: str, now: datetime | None = None) -> bool:
    """True for exactly one caller per key."""
    result = await session.execute(
        insert_ignore(
            session,
            RateLimit,
            {"key": key, "window_started_at": now or utcnow(), "count": 1},
            ["key"],
        )
    )
    return rowcount(result) == 1


async def release(session: AsyncSession, key: str) -> None:
    await session.execute(delete(RateLimit).where(RateLimit.key == key))


async def record_sent(
    session: AsyncSession,
    *,
    actor_id: int,
    target: str,
    channel_id: int,
    from_chat_id: int,
    message_id: int,
    posted_id: int,
    kind: str,
) -> None:
    await audit.record(
        session,
        "broadcast.sent",
        actor_id=actor_id,
        target_type="channel",
        target_id=channel_id,
        after={
            "target": target,
            "kind": kind,
            "from_chat_id": from_chat_id,
            "message_id": message_id,
            "posted_message_id": posted_id,
        },
    )
