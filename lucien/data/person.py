"""Everything Lucien holds about one person: read it all (right of access), or erase it.

Where a person appears: their ``users`` row and every table with a foreign key to it
(found from the schema, so a new table is covered without touching this file); grand-
children such as reminder marks follow by cascade. Without a foreign key: variant memory
(``voice_history``), FSM and wizard state (``fsm_states``; ``…fsm:`` keys in Redis), rate
limit counters (``rate_limits``; ``…rl:`` keys), and columns that name an admin who acted
(``created_by``, ``attended_by``, ``granted_by``, ``revoked_by``), and dead letters
whose stored update came from or was about them. The audit log keeps its
events but loses what identifies the person: the actor, and the target, before, after and
reason of entries about them, their periods, interests, invitations or payments.

Payments are financial records: erasure keeps each row (date, plan, days, Stars, refund)
but without the person — ``user_id`` emptied (its foreign key's ``SET NULL``) and the
invoice payload scrubbed of their id (:func:`_scrub_payments`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import Table, Text, cast, delete, false, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from lucien.access import audit
from lucien.cache import role_key_pattern
from lucien.data.values import canonical, spec_of
from lucien.db.models import (
    AdminGrant,
    AuditEntry,
    Base,
    DeadLetter,
    FSMRecord,
    Interest,
    Invitation,
    Payment,
    RateLimit,
    Subscription,
    UpdateEffect,
    User,
    VoiceHistory,
    utcnow,
)

log = logging.getLogger(__name__)

# Columns that name a person without a foreign key (an admin who did something).
ACTOR_COLUMNS = (
    Invitation.created_by,
    Interest.attended_by,
    AdminGrant.granted_by,
    AdminGrant.revoked_by,
    Payment.refunded_by,
)
# Audit targets that are the person's own rows: (target type, id column, owner column).
OWN_TARGETS: dict[str, tuple[Any, Any]] = {
    "subscription": (Subscription.id, Subscription.user_id),
    "interest": (Interest.id, Interest.user_id),
    "invitation": (Invitation.id, Invitation.used_by),
    "payment": (Payment.id, Payment.user_id),
}


def _user_references(table: Table) -> list[Any]:
    return [
        column
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name == User.__tablename__
    ]


def _fsm_user(key: str, *, with_part: bool) -> str | None:
    """The user segment of an aiogram ``DefaultKeyBuilder`` key.

    The format is ``…:chat[:thread]:user:destiny[:part]`` (the part only in Redis).
    """
    parts = key.split(":")
    index = -3 if with_part else -2
    return parts[index] if len(parts) >= 4 + int(with_part) else None


async def _fsm_keys(session: AsyncSession, user_id: int) -> list[str]:
    candidates = await session.scalars(
        select(FSMRecord.key).where(FSMRecord.key.like(f"%:{user_id}:%"))
    )
    return [k for k in candidates if _fsm_user(k, with_part=False) == str(user_id)]


def _names_id(value: Any, user_id: int) -> bool:
    """Whether a Telegram payload holds an object (user or private chat) with this id."""
    if isinstance(value, dict):
        if value.get("id") == user_id:
            return True
        return any(_names_id(v, user_id) for v in value.values())
    if isinstance(value, list):
        return any(_names_id(v, user_id) for v in value)
    return False


async def _dead_letters(session: AsyncSession, user_id: int) -> list[int]:
    """Stored updates from or about the person (the payload is Telegram's JSON)."""
    candidates = await session.execute(
        select(DeadLetter.id, DeadLetter.payload).where(
            cast(DeadLetter.payload, Text).like(f"%{user_id}%")
        )
    )
    return [i for i, payload in candidates.all() if _names_id(payload, user_id)]


async def _journal_rows(session: AsyncSession, user_id: int) -> ColumnElement[bool]:
    """Effects-journal rows naming the person (a result holding them, their FSM note)."""
    candidates = await session.execute(
        select(UpdateEffect.update_id, UpdateEffect.key, UpdateEffect.result).where(
            cast(UpdateEffect.result, Text).like(f"%{user_id}%")
        )
    )
    found = [
        (update_id, key)
        for update_id, key, result in candidates.all()
        if _names_id(result, user_id) or (key.startswith("fsm:") and f":{user_id}:" in key)
    ]
    if not found:
        return false()
    return or_(*[(UpdateEffect.update_id == u) & (UpdateEffect.key == k) for u, k in found])


def _rate_limit_of(user_id: int) -> ColumnElement[bool]:
    return RateLimit.key.like(f"%:{user_id}")


async def _own_ids(session: AsyncSession, user_id: int) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for kind, (key, owner) in OWN_TARGETS.items():
        ids[kind] = [str(i) for i in await session.scalars(select(key).where(owner == user_id))]
    return ids


def _about(user_id: int, own: dict[str, list[str]]) -> ColumnElement[bool]:
    clauses = [(AuditEntry.target_type == "user") & (AuditEntry.target_id == str(user_id))]
    for kind, ids in own.items():
        if ids:
            clauses.append((AuditEntry.target_type == kind) & AuditEntry.target_id.in_(ids))
    return or_(*clauses)


def scrub_payload(payload: str, user_id: int) -> str:
    """An invoice payload without the person's id (the plan and the nonce stay)."""
    return payload.replace(str(user_id), "-")


async def _scrub_payments(session: AsyncSession, user_id: int) -> int:
    """Their payments lose the id from the payload; ``user_id`` goes with the foreign keys."""
    found = (
        await session.execute(select(Payment.id, Payment.payload).where(Payment.user_id == user_id))
    ).all()
    for payment_id, payload in found:
        await session.execute(
            update(Payment)
            .where(Payment.id == payment_id)
            .values(payload=scrub_payload(payload, user_id))
        )
    return len(found)


def _rows(table: Table, found: Iterable[Any]) -> list[dict[str, Any]]:
    specs = [spec_of(c) for c in table.columns]
    return [{s.name: canonical(s, row._mapping[s.name]) for s in specs} for row in found]


async def collect(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every database row about the person, table by table (canonical JSON values)."""
    out: dict[str, list[dict[str, Any]]] = {}
    own = await _own_ids(session, user_id)
    sub_ids = [int(i) for i in own["subscription"]]
    for table in Base.metadata.sorted_tables:
        where: list[ColumnElement[bool]] = [c == user_id for c in _user_references(table)]
        where += [c == user_id for c in ACTOR_COLUMNS if c.table is table]
        if table.name == User.__tablename__:
            where.append(table.c.id == user_id)
        elif table.name == VoiceHistory.__tablename__:
            where.append(table.c.user_id == user_id)
        elif table.name == RateLimit.__tablename__:
            where.append(_rate_limit_of(user_id))
        elif table.name == FSMRecord.__tablename__:
            where.append(table.c.key.in_(await _fsm_keys(session, user_id)))
        elif table.name == DeadLetter.__tablename__:
            where.append(table.c.id.in_(await _dead_letters(session, user_id)))
        elif table.name == UpdateEffect.__tablename__:
            where.append(await _journal_rows(session, user_id))
        elif table.name == AuditEntry.__tablename__:
            where += [AuditEntry.actor_id == user_id, _about(user_id, own)]
        elif "subscription_id" in table.c and sub_ids:
            where.append(table.c.subscription_id.in_(sub_ids))
        if not where:
            continue
        found = (await session.execute(select(table).where(or_(*where)))).all()
        if found:
            out[table.name] = _rows(table, found)
    return out


async def erase(
    session: AsyncSession, user_id: int, *, actor_id: int | None, now: datetime | None = None
) -> dict[str, int]:
    """Delete or anonymise every row about the person; returns what was removed, per table.

    The caller has already taken the person out of the channels: this is the last step.
    """
    now = now or utcnow()
    own = await _own_ids(session, user_id)
    removed: dict[str, int] = {}
    anonymised = await session.execute(
        update(AuditEntry)
        .where(_about(user_id, own))
        .values(target_id=None, before=null(), after=null(), reason=None)
    )
    actor = await session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == user_id).values(actor_id=None)
    )
    removed["audit_log (anonymised)"] = int(anonymised.rowcount or 0) + int(actor.rowcount or 0)  # type: ignore[attr-defined]
    for column in ACTOR_COLUMNS:
        await session.execute(
            update(column.table).where(column == user_id).values({column.name: None})
        )
    removed["payments (anonymised)"] = await _scrub_payments(session, user_id)
    fsm = await _fsm_keys(session, user_id)
    for model, condition in (
        (VoiceHistory, VoiceHistory.user_id == user_id),
        (RateLimit, _rate_limit_of(user_id)),
        (FSMRecord, FSMRecord.key.in_(fsm)),
        (DeadLetter, DeadLetter.id.in_(await _dead_letters(session, user_id))),
        (UpdateEffect, await _journal_rows(session, user_id)),
    ):
        result = await session.execute(delete(model).where(condition))
        removed[model.__tablename__] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    for table in reversed(Base.metadata.sorted_tables):
        for column in _user_references(table):
            fk = next(iter(column.foreign_keys))
            if fk.ondelete == "SET NULL":
                await session.execute(
                    update(table).where(column == user_id).values({column.name: None})
                )
            else:
                result = await session.execute(delete(table).where(column == user_id))
                removed[table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(delete(User).where(User.id == user_id))
    removed["users"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    await audit.record(
        session,
        "user.delete",
        actor_id=actor_id,
        target_type="user",
        before={k: v for k, v in removed.items() if v},
        after={"deleted": True},
        at=now,
    )
    return removed


# ----------------------------------------------------------------------------- Redis


def _redis_patterns(prefix: str, user_id: int) -> list[str]:
    return [
        f"{prefix}fsm:*:{user_id}:*",
        f"{prefix}rl:*:{user_id}",
        f"{prefix}voice:{user_id}",
        role_key_pattern(prefix, user_id),
    ]


def _is_theirs(prefix: str, key: str, user_id: int) -> bool:
    if key.startswith(f"{prefix}fsm:"):
        return _fsm_user(key, with_part=True) == str(user_id)
    return True  # rl:…:<id>, voice:<id> and the cached role are exact by their pattern


async def redis_keys(redis: Redis, prefix: str, user_id: int) -> list[str]:
    keys: set[str] = set()
    for pattern in _redis_patterns(prefix, user_id):
        async for raw in redis.scan_iter(match=pattern, count=500):
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            if _is_theirs(prefix, key, user_id):
                keys.add(key)
    return sorted(keys)


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {_text(k): _text(v) for k, v in value.items()}
    return value


async def redis_collect(redis: Redis, prefix: str, user_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in await redis_keys(redis, prefix, user_id):
        kind = _text(await redis.type(key))
        if kind == "hash":
            out[key] = _text(await redis.hgetall(key))
        elif kind == "string":
            out[key] = _text(await redis.get(key))
        else:
            out[key] = f"<{kind}>"
    return out


async def redis_forget(redis: Redis | None, prefix: str, user_id: int) -> int | None:
    """Delete the person's Redis keys; None when Redis did not answer (logged)."""
    if redis is None:
        return 0
    try:
        keys = await redis_keys(redis, prefix, user_id)
        return int(await redis.delete(*keys)) if keys else 0
    except (RedisError, OSError) as exc:
        log.warning("could not forget user %s in redis: %s", user_id, type(exc).__name__)
        return None
