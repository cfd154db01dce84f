"""Single-use invitations: issue (one or a batch), list, revoke, and describe.

A token is ``secrets.token_urlsafe(24)``: 192 random bits in 32 URL-safe characters, well
inside Telegram's 64-character deep-link limit. Each invitation has its own redeem-by
deadline (default 7 days), separate from the plan's length.
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from lucien.access import audit
from lucien.access.errors import CodedError
from lucien.db.models import Invitation, Plan, utcnow
from lucien.db.results import rowcount
from lucien.journal import effect

BATCH_MAX = 50
REDEEM_DAYS_DEFAULT = 7
REDEEM_DAYS_MAX = 365
TOKEN_BYTES = 24
#: What a deep-link payload may look like at all (Telegram allows A-Z a-z 0-9 _ -, ≤ 64).
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvitationError(CodedError):
    """``code``: count_range, redeem_days_range, plan_not_found, plan_inactive."""


class Status(enum.StrEnum):
    UNUSED = "unused"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Issued:
    id: int
    token: str
    plan_id: int
    plan_name: str
    plan_days: int
    redeem_by: datetime


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(payload: str) -> bool:
    return bool(TOKEN_RE.match(payload))


def status_of(invitation: Invitation, now: datetime | None = None) -> Status:
    now = now or utcnow()
    if invitation.used_at is not None:
        return Status.USED
    if invitation.revoked_at is not None:
        return Status.REVOKED
    if invitation.redeem_by <= now:
        return Status.EXPIRED
    return Status.UNUSED


#: Neither used nor revoked: redeemable until ``redeem_by``, expired after it.
OPEN = and_(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))


def status_filter(status: Status, now: datetime) -> ColumnElement[bool]:
    """:func:`status_of` in SQL (the lists, the counts, the redemption itself)."""
    if status is Status.USED:
        return Invitation.used_at.is_not(None)
    if status is Status.REVOKED:
        return and_(Invitation.used_at.is_(None), Invitation.revoked_at.is_not(None))
    if status is Status.EXPIRED:
        return and_(OPEN, Invitation.redeem_by <= now)
    return and_(OPEN, Invitation.redeem_by > now)


@effect("invitations.issue")
async def issue(
    session: AsyncSession,
    plan_id: int,
    *,
    count: int = 1,
    redeem_days: int = REDEEM_DAYS_DEFAULT,
    created_by: int | None = None,
    now: datetime | None = None,
) -> list[Issued]:
    """Issue ``count`` (1-50) invitations for an active plan."""
    if not 1 <= count <= BATCH_MAX:
        raise InvitationError("count_range", (1, BATCH_MAX))
    if not 1 <= redeem_days <= REDEEM_DAYS_MAX:
        raise InvitationError("redeem_days_range", (1, REDEEM_DAYS_MAX))
    plan = await session.get(Plan, plan_id, populate_existing=True)
    if plan is None:
        raise InvitationError("plan_not_found")
    if not plan.active:
        raise InvitationError("plan_inactive")
    now = now or utcnow()
    redeem_by = now + timedelta(days=redeem_days)
    tokens = [new_token() for _ in range(count)]
    rows = [
        {
            "token": token,
            "plan_id": plan.id,
            "created_by": created_by,
            "created_at": now,
            "redeem_by": redeem_by,
        }
        for token in tokens
    ]
    result = await session.execute(
        insert(Invitation).returning(Invitation.id, Invitation.token), rows
    )
    ids = {token: id_ for id_, token in result.all()}
    issued = [
        Issued(ids[token], token, plan.id, plan.name, plan.days, redeem_by) for token in tokens
    ]
    await audit.record(
        session,
        "invitation.issued",
        actor_id=created_by,
        target_type="plan",
        target_id=plan.id,
        after={
            "count": count,
            "redeem_by": redeem_by,
            "first_id": issued[0].id,
            "last_id": issued[-1].id,
        },
        at=now,
    )
    return issued


async def revoke(
    session: AsyncSession,
    invitation_id: int,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Revoke an unused invitation; False when it was used or revoked already."""
    now = now or utcnow()
    result = await session.execute(
        update(Invitation).where(Invitation.id == invitation_id, OPEN).values(revoked_at=now)
    )
    if rowcount(result) != 1:
        return False
    await audit.record(
        session,
        "invitation.revoked",
        actor_id=actor_id,
        target_type="invitation",
        target_id=invitation_id,
        at=now,
    )
    return True
