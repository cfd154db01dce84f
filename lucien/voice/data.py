"""Plain data the providers take: build these from models in the handlers/services.

Everything is a frozen dataclass of plain values (no ORM objects, no sessions), so the
voice layer never touches the database and any value can be built in a test or a preview.
Timestamps are aware datetimes (UTC); the voice converts them to the display time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal


class Role(StrEnum):
    """Who someone is to Lucien right now (decided in :mod:`lucien.access.roles`)."""

    ADMIN = "admin"
    VIP = "vip"
    FREE = "free"


Audience = Literal["vip", "free"]
Category = Literal["FREE_CONTENT", "VIP_CONTENT", "VIP_PREMIUM"]
Network = Literal["instagram", "tiktok", "x"]
ChannelKind = Literal["vip", "free"]
#: The admin lists' filters, shared by the services that query and the views that name
#: them. People: a role, or the blocked (who keep theirs).
RoleFilter = Literal["admin", "vip", "free", "blocked"]
SubFilter = Literal["active", "expiring", "expired"]
TokenFilter = Literal["unused", "used", "expired", "revoked"]
QueueFilter = Literal["waiting", "ready", "done", "failed"]
Right = Literal["invite", "restrict", "post"]

CATEGORIES: tuple[Category, ...] = ("FREE_CONTENT", "VIP_CONTENT", "VIP_PREMIUM")
NETWORKS: tuple[Network, ...] = ("instagram", "tiktok", "x")


@dataclass(frozen=True, slots=True)
class Page:
    """Where a list page sits: ``page`` is 0-based, ``pages`` ≥ 1, ``total`` items in all."""

    page: int = 0
    pages: int = 1
    total: int = 0

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages

    @classmethod
    def of(cls, total: int, page: int, per_page: int) -> Page:
        pages = max(1, -(-total // max(1, per_page)))
        return cls(page=min(max(0, page), pages - 1), pages=pages, total=total)


@dataclass(frozen=True, slots=True)
class UserCard:
    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    role: Role = Role.FREE
    is_owner: bool = False
    is_blocked: bool = False
    unreachable: bool = False
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name or "") if p).strip()


@dataclass(frozen=True, slots=True)
class PlanCard:
    id: int
    name: str
    days: int
    price: Decimal
    currency: str = "USD"
    active: bool = True
    in_use: bool = False  # invitations or subscriptions point at it (cannot be deleted)
    stars: int | None = None  # price in Telegram Stars; None: not sold in the bot


@dataclass(frozen=True, slots=True)
class PackageCard:
    id: int
    name: str
    description: str = ""
    price: Decimal | None = None  # None or 0 → gratuito
    currency: str = "USD"
    category: Category = "FREE_CONTENT"
    active: bool = True


@dataclass(frozen=True, slots=True)
class PackageDraft:
    """The content create wizard's answers so far."""

    name: str | None = None
    description: str | None = None
    price: Decimal | None = None
    free: bool = False
    currency: str = "USD"
    category: Category | None = None


@dataclass(frozen=True, slots=True)
class PlanDraft:
    name: str | None = None
    days: int | None = None
    price: Decimal | None = None
    currency: str = "USD"
    stars: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionCard:
    id: int
    user: UserCard
    plan_name: str | None
    started_at: datetime
    ends_at: datetime
    status: Literal["active", "expired", "removed"] = "active"
    ritual_stage: int = 4
    removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TokenCard:
    """An invitation as the admin sees it (``link`` is the full deep link)."""

    id: int
    token: str
    link: str
    plan_name: str
    redeem_by: datetime
    status: Literal["unused", "used", "expired", "revoked"] = "unused"
    created_at: datetime | None = None
    used_by: UserCard | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JoinRequestCard:
    id: int
    user: UserCard
    requested_at: datetime
    state: Literal["waiting", "ready", "done", "failed"] = "waiting"
    ready_at: datetime | None = None
    attempts: int = 0
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class InterestCard:
    """A "Me interesa": ``package`` is None when the interest is the VIP circle itself."""

    id: int
    user: UserCard
    package: PackageCard | None
    created_at: datetime
    attended_at: datetime | None = None
    attended_by: str | None = None  # the custodian's name


@dataclass(frozen=True, slots=True)
class AuditCard:
    """One audit entry; ``action`` is the stored code (``admin.grant``, ``user.block``...)."""

    id: int
    action: str
    created_at: datetime
    actor_name: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SocialLinks:
    instagram: str | None = None
    tiktok: str | None = None
    x: str | None = None

    def items(self) -> list[tuple[Network, str]]:
        pairs: list[tuple[Network, str | None]] = [
            ("instagram", self.instagram),
            ("tiktok", self.tiktok),
            ("x", self.x),
        ]
        return [(net, url) for net, url in pairs if url]


@dataclass(frozen=True, slots=True)
class ChannelCard:
    """A configured channel: ``missing`` lists the rights the bot lacks there."""

    kind: ChannelKind
    chat_id: int | None = None
    title: str | None = None
    missing: tuple[Right, ...] = ()
    is_admin: bool = True


@dataclass(frozen=True, slots=True)
class ConfigCard:
    vip: ChannelCard = field(default_factory=lambda: ChannelCard("vip"))
    free: ChannelCard = field(default_factory=lambda: ChannelCard("free"))
    free_wait_minutes: int = 10
    social: SocialLinks = field(default_factory=SocialLinks)
    free_invite_link: str | None = None
    creator_username: str | None = None
    timezone: str = "America/Mexico_City"
    reminder_offsets: tuple[int, ...] = (72, 24)
    dry_run: bool = False
    notify_unauthorized_joins: bool = True


@dataclass(frozen=True, slots=True)
class JobRunCard:
    job: str
    started_at: datetime
    finished_at: datetime | None = None
    status: Literal["running", "ok", "partial", "failed"] = "ok"
    dry_run: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)
    errors: int = 0


@dataclass(frozen=True, slots=True)
class DashboardData:
    config: ConfigCard
    vip_active: int = 0
    vip_expiring_7d: int = 0
    free_pending: int = 0
    free_ready: int = 0
    tokens_unused: int = 0
    interests_pending: int = 0
    plans_active: int = 0
    last_run: JobRunCard | None = None  # the latest real round
    last_rehearsal: JobRunCard | None = None  # a dry run newer than it
    warnings: tuple[str, ...] = ()  # codes, see providers/dashboard.py WARNINGS


@dataclass(frozen=True, slots=True)
class StatsData:
    vip_active: int = 0
    vip_expired: int = 0
    vip_expiring_7d: int = 0
    vip_new_1d: int = 0
    vip_new_7d: int = 0
    vip_new_30d: int = 0
    tokens_issued: int = 0
    tokens_used: int = 0
    tokens_expired: int = 0
    tokens_available: int = 0
    tokens_revoked: int = 0
    free_pending: int = 0
    free_approved: int = 0
    free_avg_wait_minutes: float | None = None
    interests_total: int = 0
    interests_pending: int = 0
    interests_attended: int = 0
    interests_by_category: Mapping[str, int] = field(default_factory=dict)  # + "circle"
    #: Telegram Stars: what was paid, what went back, how many payments (all time / 30 days)
    stars_paid: int = 0
    stars_refunded: int = 0
    payments: int = 0
    stars_paid_30d: int = 0


@dataclass(frozen=True, slots=True)
class RoleCounts:
    admins: int = 0
    vip: int = 0
    free: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.admins + self.vip + self.free


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One thing a dry run would have done."""

    kind: Literal["remind", "expire", "remove", "approve", "revoke_link"]
    user: UserCard
    when: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckCard:
    """One line of the diagnostics report (``/run_tests``, ``lucien doctor``).

    ``name`` is the check's code (``database``, ``schema``, ``redis``, ``webhook``, ``identity``,
    ``channel_vip``, ``channel_free``, ``cron``, ``dead_letters``, ``stuck_updates``,
    ``n_plus_one``, ``smoke_start``, ``smoke_redeem``, ``smoke_cron``, ``pytest``); ``problem``
    a code the voice explains (``unreachable``, ``behind``, ``down``, ``url_mismatch``…);
    ``facts`` plain values (counts, minutes, URLs, handler names), never a person's data.
    """

    name: str
    ok: bool
    ms: float | None = None
    problem: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "ok": self.ok}
        if self.ms is not None:
            out["ms"] = self.ms
        if self.problem:
            out["problem"] = self.problem
        if self.facts:
            out["facts"] = self.facts
        return out


@dataclass(frozen=True, slots=True)
class ProfileReport:
    """What ``/profile`` shows: requests left, hot spots and the slowest handlers."""

    remaining: int = 0
    profiled: int = 0
    hot_spots: tuple[tuple[str, float], ...] = ()
    slowest: tuple[tuple[str, float, int], ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentCard:
    """One Stars payment as the admin sees it (plan, days and price as they were sold)."""

    id: int
    user_id: int | None  # None once the person's data was erased
    plan_name: str
    days: int
    stars: int
    paid_at: datetime
    kind: Literal["new", "renewal"] = "new"
    refunded_at: datetime | None = None
    refunded_days: int | None = None
    subscription_id: int | None = None


@dataclass(frozen=True, slots=True)
class RevenueLine:
    """Payments grouped by a plan (``label``: its name) or a month (``label``: ``YYYY-MM``)."""

    label: str
    payments: int = 0
    stars: int = 0  # paid
    refunded: int = 0  # paid and given back

    @property
    def net(self) -> int:
        return self.stars - self.refunded


@dataclass(frozen=True, slots=True)
class RevenueData:
    total: RevenueLine
    by_plan: Sequence[RevenueLine] = ()
    by_month: Sequence[RevenueLine] = ()
    plans_more: int = 0  # plans beyond the ones listed
    page: Page = field(default_factory=Page)  # of the months


@dataclass(frozen=True, slots=True)
class StarsOffer:
    """A plan sold inside the bot for Telegram Stars: one pay button, one invoice."""

    plan_id: int
    name: str
    days: int
    stars: int
