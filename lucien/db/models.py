"""The schema, as SQLAlchemy models.

Alembic (``migrations/``) is the only authority that creates tables; these models describe
them for queries and for autogenerate, and a test keeps the two from drifting apart.
Every timestamp is stored timezone-aware in UTC (``UTCDateTime``) so SQLite and PostgreSQL
hand back the same kind of value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lucien import clock


def unique_where(name: str, *columns: str, where: str) -> Index:
    """A partial unique index: at most one row per ``columns`` among the rows ``where`` holds
    (the same predicate for SQLite and PostgreSQL, so both enforce the same rule)."""
    condition = text(where)
    return Index(name, *columns, unique=True, sqlite_where=condition, postgresql_where=condition)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC on the way in and out.

    SQLite has no time zone type and returns naive values; normalising here keeps every
    comparison in the code between aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


utcnow = clock.utcnow  # re-exported: services import "now" from here


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    language_code: Mapped[str | None] = mapped_column(String(16))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    blocked_notice_sent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class AdminGrant(Base):
    """An admin granted by the owner in the panel (env admins are never stored here)."""

    __tablename__ = "admin_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    granted_by: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        unique_where("uq_admin_grants_active", "user_id", where="revoked_at IS NULL"),
    )


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    days: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    #: the price in Telegram Stars (XTR) when the plan is sold inside the bot; None: not sold
    price_stars: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    redeem_by: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Subscription(Base):
    """One paid period of one member; an extension moves ``ends_at`` of the same row.

    ``ritual_stage``: 1-3 while the entry ritual is shown, 4 once it is complete, 0 when the
    period needs no ritual (an extension). The ``claimed_until`` lease lets concurrent cron
    runs split the work without processing a row twice.
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    ritual_stage: Mapped[int] = mapped_column(Integer, default=1)
    farewell_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removal_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    removal_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removal_error: Mapped[str | None] = mapped_column(Text)
    #: when the admins were told this removal is stuck (once per period)
    removal_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """One Telegram Stars payment, recorded exactly once per ``charge_id``.

    ``charge_id`` is Telegram's ``telegram_payment_charge_id``; its unique constraint is what
    makes a redelivered or repeated ``successful_payment`` grant nothing twice. The plan's
    name, days and price are copied at payment time so revenue and refunds read what was
    sold, whatever the plan becomes later. ``refunded_days`` is how many days the refund
    took off the period (the whole purchase unless less of it was left).
    """

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    charge_id: Mapped[str] = mapped_column(String(128), unique=True)
    provider_charge_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL")
    )
    plan_name: Mapped[str] = mapped_column(String(64))
    days: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(String(128))
    #: "new" (the payment opened a period) or "renewal" (it extended one)
    kind: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_by: Mapped[int | None] = mapped_column(BigInteger)
    refunded_days: Mapped[int | None] = mapped_column(Integer)


class ReminderSent(Base):
    """One row per reminder offset per period: the unique key makes "send once" atomic."""

    __tablename__ = "reminders_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    offset_hours: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("subscription_id", "offset_hours", "period_end", name="uq_reminder_once"),
    )


class InviteLink(Base):
    __tablename__ = "invite_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    link: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JoinRequest(Base):
    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        unique_where("uq_join_requests_pending", "user_id", "chat_id", where="status = 'pending'"),
    )


class BotConfig(Base):
    """The single configuration row (id 1), edited from the admin panel."""

    __tablename__ = "bot_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vip_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    free_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    free_wait_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    instagram_url: Mapped[str | None] = mapped_column(String(255))
    tiktok_url: Mapped[str | None] = mapped_column(String(255))
    x_url: Mapped[str | None] = mapped_column(String(255))
    free_invite_link: Mapped[str | None] = mapped_column(String(255))
    creator_username: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(
        String(64), default="America/Mexico_City", server_default="America/Mexico_City"
    )
    reminder_offsets_hours: Mapped[str] = mapped_column(
        String(64), default="72,24", server_default="72,24"
    )
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    notify_unauthorized_joins: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Package(Base):
    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    category: Mapped[str] = mapped_column(String(16), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Interest(Base):
    """A "Me interesa": ``package_id`` is null when the interest is the VIP circle itself."""

    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_by: Mapped[int | None] = mapped_column(BigInteger)


class InterestMark(Base):
    """Last accepted interest per user and target; a conditional upsert enforces the window."""

    __tablename__ = "interest_marks"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ProcessedUpdate(Base):
    """The update ledger when Redis is not configured (or not reachable).

    ``status`` is processing, done or failed; a failed row is kept (not deleted) so the
    number of attempts and the time of the first one survive for the poison guard.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeadLetter(Base):
    """An update that kept failing, settled so Telegram stops delivering it.

    The payload is kept verbatim so ``lucien dead-letters replay`` can run it again.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replay_outcome: Mapped[str | None] = mapped_column(String(32))


class UpdateEffect(Base):
    """What an update already did, so a redelivery of it repeats nothing (``lucien.journal``).

    ``key`` names one effect of the update: ``db:<name>#n`` (written in the same transaction
    as the effect), ``tg:<method>:<digest>#n`` (a Telegram call that succeeded) or
    ``fsm:<key>`` (the conversation state before the update). Purged with the ledger.
    """

    __tablename__ = "update_effects"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FSMRecord(Base):
    """aiogram FSM state and data for the embedded default (no Redis)."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoiceHistory(Base):
    """The last variants a user saw per message, for the voice layer's no-repetition rule."""

    __tablename__ = "voice_history"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    recent: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateLimit(Base):
    """Fixed-window counters (failed redemptions) when Redis is not configured."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


class TelegramPacing(Base):
    """The next free slot for a Telegram call, shared by every cron run and instance when
    Redis is not configured (``lucien.jobs.pacing``): microseconds since the epoch."""

    __tablename__ = "telegram_pacing"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at_us: Mapped[int] = mapped_column(BigInteger, default=0)


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text)


# -- operations (lucien/ops): metrics, profiles, alerts -------------------------------------


class OpsCounter(Base):
    """A metric sample's running total when Redis is not configured (or not reachable).

    ``key`` is the Prometheus sample name with its labels (``lucien_updates_total{kind="message",
    outcome="handled"}``): every instance adds to the same row, so ``/metrics`` answers for the
    whole deployment, not for the process that happens to serve the scrape.
    """

    __tablename__ = "ops_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)


class OpsState(Base):
    """Small shared switches, e.g. how many of the next updates to profile."""

    __tablename__ = "ops_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OpsProfile(Base):
    """One profiled update (``reason="profile"``) or one N+1 alarm (``"n_plus_one"``)."""

    __tablename__ = "ops_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(16), index=True)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    handler: Mapped[str | None] = mapped_column(String(160))
    duration_ms: Mapped[float] = mapped_column(Float)
    sql_count: Mapped[int] = mapped_column(Integer)
    telegram_count: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OpsAlert(Base):
    """When an alert signature was last sent, so each is sent at most once per window."""

    __tablename__ = "ops_alerts"

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)


class AlertOptOut(Base):
    """A custodian who asked not to receive operational alerts."""

    __tablename__ = "alert_optouts"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
