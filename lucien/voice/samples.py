"""Sample arguments for every provider method (preview and linter).

``cases(provider, method)`` returns a list of keyword-argument dicts; every public provider
method must have at least one case (the linter fails otherwise). ``hostile(kwargs, value)``
replaces every person-typed text in a case with ``value`` (``<``, ``&``, emoji, 4096
characters…) so the linter can prove escaping and limits hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args

from lucien.callbacks import AdminSection
from lucien.voice.data import (
    AuditCard,
    ChannelCard,
    CheckCard,
    ConfigCard,
    DashboardData,
    InterestCard,
    JobRunCard,
    JoinRequestCard,
    PackageCard,
    PackageDraft,
    Page,
    PaymentCard,
    PlanCard,
    PlanDraft,
    PlannedAction,
    ProfileReport,
    RevenueData,
    RevenueLine,
    Role,
    RoleCounts,
    SocialLinks,
    StarsOffer,
    StatsData,
    SubscriptionCard,
    TokenCard,
    UserCard,
)
from lucien.voice.providers.validation import Form

#: The reference "now" of previews: martes 3 de marzo de 2026, 18:30 in Mexico City.
NOW = datetime(2026, 3, 4, 0, 30, tzinfo=UTC)
MORNING = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 09:00 in Mexico City
AFTERNOON = datetime(2026, 3, 3, 21, 0, tzinfo=UTC)  # 15:00
LATE = datetime(2026, 3, 4, 5, 0, tzinfo=UTC)  # 23:00

#: Names of fields/arguments that hold text a person typed.
PERSON_FIELDS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "username",
        "plan_name",
        "package_name",
        "description",
        "query",
        "title",
        "actor_name",
        "attended_by",
        "reason",
        "value",
        "current",
        "creator_username",
        "by",
    }
)

HOSTILE: tuple[str, ...] = (
    "<",
    "&",
    '<b>Ana & "Bob"</b>',
    "🎩🌸👑 Ana 💕 {name} {0}",
    "A" * 4096,
)

TOKEN = "q3X9vK2mLp8RtY6wZ1aB4cD7eF0gH5jN"
BOT = "LucienDianaBot"


def _h(days: float = 0, hours: float = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours)


ANA = UserCard(
    id=123456789,
    first_name="Ana",
    last_name="Ríos",
    username="ana_rios",
    role=Role.FREE,
    first_seen_at=_h(-40),
    last_seen_at=_h(-1),
)
BRUNO = UserCard(
    id=987654321, first_name="Bruno", username=None, role=Role.VIP, first_seen_at=_h(-90)
)
CARLA = UserCard(id=555, first_name="Carla", username="carla", role=Role.ADMIN, is_owner=True)
BLOCKED = UserCard(id=777, first_name="Dario", role=Role.FREE, is_blocked=True, unreachable=True)

PLAN = PlanCard(id=1, name="Mensual", days=30, price=Decimal("19.99"), currency="USD", stars=250)
PLAN_OFF = PlanCard(
    id=2, name="Trimestral", days=90, price=Decimal("49"), active=False, in_use=True
)
PKG_FREE = PackageCard(
    id=10,
    name="Postales del jardín",
    description="Una serie de fotografías que Diana tomó al amanecer.",
    price=None,
    category="FREE_CONTENT",
)
PKG_VIP = PackageCard(
    id=11,
    name="Cartas desde el Diván",
    description="Notas de voz y textos que Diana solo comparte con el círculo.",
    price=Decimal("15"),
    category="VIP_CONTENT",
)
PKG_PREMIUM = PackageCard(
    id=12,
    name="Sesión privada",
    description="Una selección íntima, por encargo.",
    price=Decimal("120.50"),
    currency="MXN",
    category="VIP_PREMIUM",
    active=False,
)
SUB = SubscriptionCard(
    id=40, user=BRUNO, plan_name="Mensual", started_at=_h(-25), ends_at=_h(5), ritual_stage=4
)
SUB_RITUAL = dataclasses.replace(SUB, id=41, user=ANA, ritual_stage=2, ends_at=_h(29))
SUB_OLD = dataclasses.replace(
    SUB, id=42, status="expired", ends_at=_h(-3), started_at=_h(-33), removed_at=_h(-3)
)
TOK = TokenCard(
    id=70,
    token=TOKEN,
    link=f"https://t.me/{BOT}?start={TOKEN}",
    plan_name="Mensual",
    redeem_by=_h(7),
    created_at=_h(0),
)
TOK_USED = dataclasses.replace(TOK, id=71, status="used", used_by=ANA, used_at=_h(-2))
TOK_EXPIRED = dataclasses.replace(TOK, id=72, status="expired", redeem_by=_h(-1))
TOK_REVOKED = dataclasses.replace(TOK, id=73, status="revoked", revoked_at=_h(-4))
OFFERS = (
    StarsOffer(plan_id=1, name="Mensual", days=30, stars=250),
    StarsOffer(plan_id=3, name="Anual", days=365, stars=2400),
)
SOCIAL = SocialLinks(instagram="https://instagram.com/diana", tiktok="https://tiktok.com/@diana")
INTEREST = InterestCard(id=90, user=ANA, package=PKG_VIP, created_at=_h(0, -1))
INTEREST_CIRCLE = InterestCard(
    id=91, user=ANA, package=None, created_at=_h(-1), attended_at=_h(0), attended_by="Carla"
)
JR = JoinRequestCard(id=60, user=ANA, requested_at=_h(0, -0.1), ready_at=_h(0, 0.1))
JR_FAILED = dataclasses.replace(JR, id=61, state="failed", attempts=3)
JR_DONE = dataclasses.replace(JR, id=62, state="done", decided_at=_h(0))
VIP_CH = ChannelCard("vip", chat_id=-1001234567890, title="El Diván de Diana")
FREE_CH = ChannelCard("free", chat_id=-1009876543210, title="Vestíbulo", missing=("invite", "post"))
CONFIG = ConfigCard(
    vip=VIP_CH,
    free=FREE_CH,
    social=SOCIAL,
    free_invite_link="https://t.me/+AbCdEf123",
    creator_username="diana",
)
CONFIG_EMPTY = ConfigCard(dry_run=True)
RUN = JobRunCard(
    job="expiry",
    started_at=_h(0, -0.2),
    finished_at=_h(0, -0.19),
    counts={"reminders": 3, "expired": 1, "removed": 1, "approved": 4, "mystery_count": 2},
    errors=1,
    status="partial",
)
RUN_DRY = dataclasses.replace(RUN, dry_run=True, status="ok", errors=0)
PAGE = Page(page=1, pages=3, total=25)
ONE_PAGE = Page(page=0, pages=1, total=2)


def _admin_cases() -> dict[str, list[dict[str, Any]]]:
    s = AdminSection
    return {
        "admin_main.home": [
            {"name": "Carla", "interests_pending": 2, "free_pending": 1, "warnings": 1, "at": LATE},
            {"name": "Carla", "at": MORNING},
        ],
        "admin_main.menu_only": [{}],
        "admin_vip.menu": [{"active": 12, "expiring_7d": 2, "tokens_unused": 5, "plans_active": 1}],
        "admin_vip.issue_choose_plan": [{"plans": [PLAN, PLAN_OFF]}, {"plans": []}],
        "admin_vip.issue_ask_quantity": [{"plan": PLAN}],
        "admin_vip.issue_ask_deadline": [{"plan": PLAN, "quantity": 5}],
        "admin_vip.issued": [
            {"tokens": [TOK], "plan": PLAN},
            {"tokens": [dataclasses.replace(TOK, id=100 + n) for n in range(50)], "plan": PLAN},
        ],
        "admin_vip.tokens": [
            {
                "tokens": [TOK, TOK_USED, TOK_EXPIRED, TOK_REVOKED],
                "filter": "unused",
                "page": PAGE,
                "counts": {"unused": 5, "used": 3, "expired": 1, "revoked": 1},
            },
            {"tokens": [], "filter": "revoked", "page": Page()},
        ],
        "admin_vip.token_revoke_confirm": [{"token": TOK}],
        "admin_vip.token_revoked": [{"token": TOK}],
        "admin_vip.token_not_revocable": [{"status": "used"}],
        "admin_vip.subscribers": [
            {
                "subs": [SUB, SUB_RITUAL, SUB_OLD],
                "filter": "active",
                "page": PAGE,
                "counts": {"active": 12, "expiring": 2, "expired": 30},
            },
            {"subs": [], "filter": "expiring", "page": Page()},
        ],
        "admin_vip.subscriber": [{"sub": SUB}, {"sub": SUB_RITUAL}, {"sub": SUB_OLD}],
        "admin_vip.extend_ask": [{"sub": SUB}],
        "admin_vip.extended": [{"sub": SUB, "days": 30, "new_end": _h(35)}],
        "admin_vip.remove_confirm": [{"sub": SUB}],
        "admin_vip.removed": [
            {"sub": SUB},
            {"sub": SUB, "from_channel": False},
            {"sub": SUB, "from_channel": False, "vip_channel": False},
        ],
        "admin_vip.plans": [
            {"plans": [PLAN, PLAN_OFF], "page": ONE_PAGE},
            {"plans": [], "page": Page()},
        ],
        "admin_vip.plan": [{"plan": PLAN}, {"plan": PLAN_OFF}],
        "admin_vip.plan_ask": [
            {"field": "name", "step": 1, "total": 4},
            {"field": "days", "current": "30"},
            {"field": "price", "step": 3, "total": 4},
            {"field": "currency", "current": "USD"},
            {"field": "stars", "step": 5, "total": 5},
            {"field": "stars", "current": "—"},
        ],
        "admin_vip.plan_confirm": [
            {"draft": PlanDraft(name="Mensual", days=30, price=Decimal("19.99"))},
            {"draft": PlanDraft(name="Mensual", days=30, price=Decimal("19.99"), stars=1250)},
        ],
        "admin_vip.plan_saved": [
            {"plan": PLAN, "created": True},
            {"plan": PLAN_OFF, "created": False},
        ],
        "admin_vip.plan_toggled": [{"plan": PLAN}, {"plan": PLAN_OFF}],
        "admin_vip.plan_delete_confirm": [{"plan": PLAN}],
        "admin_vip.plan_deleted": [{"name": "Mensual"}],
        "admin_vip.plan_in_use": [{}],
        "admin_free.menu": [
            {
                "pending": 4,
                "ready": 2,
                "wait_minutes": 10,
                "social": SOCIAL,
                "invite_link": "https://t.me/+AbCdEf123",
            },
            {
                "pending": 0,
                "ready": 0,
                "wait_minutes": 0,
                "social": SocialLinks(),
                "invite_link": None,
            },
        ],
        "admin_free.queue": [
            {
                "requests": [JR, JR_FAILED, JR_DONE],
                "filter": "waiting",
                "page": PAGE,
                "counts": {"waiting": 4, "ready": 2, "done": 40, "failed": 1},
            },
            {"requests": [], "filter": "failed", "page": Page()},
        ],
        "admin_free.approve_all_confirm": [{"count": 4}, {"count": 0}],
        "admin_free.approve_all_done": [{"approved": 4}, {"approved": 3, "failed": 1}],
        "admin_free.reject_all_confirm": [{"count": 4}, {"count": 0}],
        "admin_free.reject_all_done": [{"count": 1}],
        "admin_free.nothing_pending": [{}],
        "admin_free.wait_ask": [{"current": 10}],
        "admin_free.wait_set": [{"minutes": 30}, {"minutes": 0}],
        "admin_free.social_menu": [{"links": SOCIAL}, {"links": SocialLinks()}],
        "admin_free.social_ask": [
            {"network": "instagram", "current": "https://instagram.com/diana"},
            {"network": "x"},
        ],
        "admin_free.social_set": [
            {"network": "tiktok", "url": "https://tiktok.com/@diana"},
            {"network": "x", "url": None},
        ],
        "admin_free.invite_link_ask": [{"current": "https://t.me/+AbCdEf123"}, {}],
        "admin_free.invite_link_set": [{"link": "https://t.me/+AbCdEf123"}, {"link": None}],
        "admin_content.packages": [
            {"packages": [PKG_FREE, PKG_VIP, PKG_PREMIUM], "page": PAGE, "category": "all"},
            {"packages": [], "page": Page(), "category": "VIP_PREMIUM"},
        ],
        "admin_content.package": [{"package": PKG_VIP}, {"package": PKG_PREMIUM}],
        "admin_content.ask": [
            {"field": "name", "step": 1, "total": 4},
            {"field": "description", "step": 2, "total": 4},
            {"field": "price", "step": 3, "total": 4},
            {"field": "category", "step": 4, "total": 4},
            {"field": "description", "package_id": 11, "current": "Una descripción previa."},
        ],
        "admin_content.draft_confirm": [
            {
                "draft": PackageDraft(
                    name="Cartas", description="Notas de voz.", free=True, category="FREE_CONTENT"
                )
            },
            {"draft": PackageDraft(name="Cartas", price=Decimal("9.5"), category="VIP_CONTENT")},
        ],
        "admin_content.created": [{"package": PKG_VIP}],
        "admin_content.edited": [{"package": PKG_VIP, "field": "description"}],
        "admin_content.toggle_confirm": [{"package": PKG_VIP}, {"package": PKG_PREMIUM}],
        "admin_content.toggled": [{"package": PKG_VIP}, {"package": PKG_PREMIUM}],
        "admin_interests.notification": [{"interest": INTEREST}, {"interest": INTEREST_CIRCLE}],
        "admin_interests.interests": [
            {
                "interests": [INTEREST, INTEREST_CIRCLE],
                "filter": "pending",
                "page": PAGE,
                "counts": {"pending": 3, "attended": 8, "VIP_CONTENT": 4, "circle": 2},
            },
            {"interests": [], "filter": "VIP_PREMIUM", "page": Page()},
        ],
        "admin_interests.interest": [{"interest": INTEREST}, {"interest": INTEREST_CIRCLE}],
        "admin_interests.attended": [{}],
        "admin_interests.already_attended": [{"by": "Carla", "at": _h(-1)}, {}],
        "admin_users.menu": [{"counts": RoleCounts(admins=2, vip=12, free=240, blocked=3)}],
        "admin_users.search_ask": [{}],
        "admin_users.search_results": [
            {"users": [ANA, BRUNO, CARLA, BLOCKED], "query": "@ana"},
            {"users": [], "query": "@nadie"},
        ],
        "admin_users.users": [
            {"users": [ANA, BLOCKED], "role": "free", "page": PAGE},
            {"users": [], "role": "blocked", "page": Page()},
        ],
        "admin_users.profile": [
            {"user": ANA, "viewer_is_owner": True, "viewer_id": CARLA.id},
            {"user": BLOCKED, "viewer_id": CARLA.id},
            {"user": dataclasses.replace(BRUNO, role=Role.ADMIN), "viewer_is_owner": True},
            {"user": CARLA, "viewer_id": CARLA.id},
        ],
        "admin_users.profile_subscription": [
            {"user": BRUNO, "subs": [SUB, SUB_OLD]},
            {"user": ANA, "subs": []},
        ],
        "admin_users.profile_audit": [
            {
                "user": ANA,
                "entries": [
                    AuditCard(
                        id=1,
                        action="user.block",
                        created_at=_h(-2),
                        actor_name="Carla",
                        reason="Mensajes insistentes",
                    ),
                    AuditCard(id=2, action="something.new", created_at=_h(-1)),
                ],
                "page": PAGE,
            },
            {"user": ANA, "entries": [], "page": Page()},
        ],
        "admin_users.profile_interests": [
            {"user": ANA, "interests": [INTEREST, INTEREST_CIRCLE], "page": ONE_PAGE},
            {"user": ANA, "interests": [], "page": Page()},
        ],
        "admin_users.confirm": [
            {"action": a, "user": ANA}
            for a in ("grant", "ungrant", "block", "unblock", "kick", "wipe")
        ],
        "admin_users.done": [
            *(
                {"action": a, "user": ANA}
                for a in ("grant", "ungrant", "block", "unblock", "kick", "wipe")
            ),
            {"action": "kick", "user": ANA, "vip_channel": False},
        ],
        "admin_users.removal_incomplete": [{"user": ANA}, {"user": ANA, "deleted": True}],
        "admin_users.owner_only": [{}],
        "admin_users.not_yourself": [{}],
        "admin_users.protected": [{}],
        "admin_config.menu": [{"config": CONFIG}, {"config": CONFIG_EMPTY}],
        "admin_config.channel_ask": [{"kind": "vip"}, {"kind": "free"}],
        "admin_config.channel_report": [
            {"channel": VIP_CH, "saved": True},
            {"channel": FREE_CH},
            {"channel": dataclasses.replace(VIP_CH, is_admin=False, title=None)},
        ],
        "admin_config.channel_not_found": [{"kind": "vip", "value": "@no_existe"}],
        "admin_config.channel_not_a_channel": [{}],
        "admin_config.channel_taken": [{"kind": "vip"}, {"kind": "free"}],
        "admin_config.timezone_ask": [{"current": "America/Mexico_City"}],
        "admin_config.timezone_set": [{"timezone": "Europe/Madrid"}],
        "admin_config.offsets_ask": [{"current": (72, 24)}],
        "admin_config.offsets_set": [{"offsets": (48, 12, 2)}],
        "admin_config.creator_ask": [{"current": "diana"}, {}],
        "admin_config.creator_set": [{"username": "diana"}, {"username": None}],
        "admin_config.switch_set": [
            {"switch": switch, "on": on}
            for switch in ("dry_run", "notify_joins")
            for on in (True, False)
        ],
        "validation.too_long": [
            {"field": "name", "limit": 100, "length": 140, "section": s.CONTENT}
        ],
        "validation.too_short": [{"field": "description", "minimum": 3}],
        "validation.not_in_range": [
            {"field": "days", "minimum": 1, "maximum": 3650},
            {"field": "quantity", "minimum": 1, "maximum": 50, "number": 80, "section": s.TOKENS},
        ],
        "validation.invalid_price": [{"maximum": 1_000_000}],
        "validation.invalid_timezone": [{"value": "Luna/Base_Alfa"}],
        "validation.invalid_offsets": [{"max_count": 5, "max_hours": 720}],
        "validation.wrong_form": [{"form": form, "section": s.MAIN} for form in get_args(Form)],
        "validation.text_required": [{"field": "description"}],
        "validation.name_taken": [{"value": "Mensual", "section": s.PLANS}],
    }


def _member_cases() -> dict[str, list[dict[str, Any]]]:
    return {
        "common.stale": [{}],
        "common.stale_message": [{}],
        "common.not_authorized": [{}],
        "common.not_authorized_message": [{}],
        "common.vip_only": [{}],
        "common.failure": [{}],
        "common.failure_alert": [{}],
        "common.blocked_notice": [{}],
        "common.help": [{"role": "free"}, {"role": "vip"}, {"role": "admin"}],
        "common.commands": [{"role": "free"}, {"role": "admin"}],
        "common.cancelled": [{}],
        "common.nothing_to_cancel": [{}],
        "common.unknown_input": [{}],
        "common.not_found": [{"what": "package"}, {"what": "user"}, {}],
        "common.not_found_alert": [{"what": "interest"}],
        "common.saved": [{}],
        "common.working": [{}],
        "common.unchanged": [{}],
        "start.greeting_line": [
            {"name": "Ana", "role": r, "at": t}
            for r in ("free", "vip", "admin")
            for t in (MORNING, AFTERNOON, LATE)
        ],
        "start.invitation_unknown": [{}],
        "start.invitation_closed": [
            {"why": "used", "creator_username": "diana"},
            {"why": "revoked", "creator_username": "diana"},
            {"why": "revoked"},
            {"why": "plan_inactive"},
        ],
        "start.invitation_expired": [{"redeem_by": _h(-2), "creator_username": "diana"}],
        "start.invitation_rate_limited": [{"retry_minutes": 15}, {"retry_minutes": 1}],
        "start.invitation_extended": [
            {"name": "Bruno", "plan_name": "Mensual", "added_days": 30, "ends_at": _h(35)}
        ],
        "menus.vip": [
            {"name": "Bruno", "ends_at": _h(5), "at": LATE},
            {"name": "Bruno", "ends_at": _h(40), "days_left": 40, "at": MORNING},
            {"name": "Bruno", "ends_at": _h(0.5)},
        ],
        "menus.free": [
            {"name": "Ana", "at": AFTERNOON},
            {"name": "Ana", "first_visit": True, "has_social": False, "at": MORNING},
        ],
        "menus.content": [
            {"audience": "vip", "packages": [PKG_VIP, PKG_PREMIUM], "page": PAGE},
            {"audience": "free", "packages": [PKG_FREE], "page": ONE_PAGE},
            {"audience": "free", "packages": [], "page": Page()},
        ],
        "menus.package": [
            {"audience": "vip", "package": PKG_PREMIUM, "page": 1},
            {"audience": "free", "package": PKG_FREE},
            {"audience": "free", "package": dataclasses.replace(PKG_FREE, description="")},
        ],
        "menus.vip_status": [
            {"plan_name": "Mensual", "started_at": _h(-25), "ends_at": _h(5)},
            {"plan_name": None, "started_at": _h(-25), "ends_at": _h(1), "days_left": 1},
        ],
        "menus.vip_renew": [
            {"ends_at": _h(5), "creator_username": "diana"},
            {"ends_at": _h(5)},
            {"ends_at": _h(5), "creator_username": "diana", "offers": OFFERS},
        ],
        "menus.circle": [
            {"plans": [PLAN, PLAN_OFF], "creator_username": "diana"},
            {},
            {"plans": [PLAN], "offers": OFFERS[:1]},
        ],
        "menus.social": [{"links": SOCIAL}, {"links": SocialLinks(), "audience": "vip"}],
        "ritual.stage1": [
            {"name": "Ana", "plan_name": "Mensual", "ends_at": _h(30), "days": 30, "sub_id": 41},
            {"name": "Ana", "plan_name": "Día", "ends_at": _h(1), "days": 1, "resumed": True},
        ],
        "ritual.stage2": [{"sub_id": 41}, {"sub_id": 41, "resumed": True}],
        "ritual.stage3": [
            {"link": "https://t.me/+PersonalLinkX1", "expires_at": _h(1), "sub_id": 41},
            {"link": "https://t.me/+PersonalLinkX1", "expires_at": _h(1), "resumed": True},
        ],
        "ritual.link_unavailable": [{"sub_id": 41}],
        "ritual.stale": [{}],
        "ritual.joined": [{"name": "Ana"}],
        "flows.free_welcome": [
            {"name": "Ana", "wait_minutes": 10, "social": SOCIAL},
            {"name": "Ana", "wait_minutes": 0},
            {"name": "Ana", "wait_minutes": 1500, "social": SocialLinks(x="nota un enlace")},
        ],
        "flows.free_request_repeated": [{"minutes_left": 7}, {"minutes_left": 0}],
        "flows.membership_extended": [
            {"name": "Ana", "added_days": 30, "ends_at": _h(35)},
            {"name": "Ana", "added_days": 1, "ends_at": _h(35)},
        ],
        "flows.free_approved": [
            {"name": "Ana", "channel_url": "https://t.me/+AbCdEf123"},
            {"name": "Ana"},
        ],
        "flows.interest_confirmation": [
            {"name": "Ana", "package_name": "Cartas desde el Diván"},
            {"name": "Ana"},
        ],
        "flows.interest_too_soon": [{}],
        "payments.invoice_title": [{"plan_name": "Mensual"}],
        "payments.invoice_description": [
            {"plan_name": "Mensual", "days": 30},
            {"plan_name": "Un día", "days": 1},
        ],
        "payments.invoice_label": [{"days": 30}, {"days": 1}],
        "payments.invoice_sent": [{}],
        "payments.not_on_sale": [{}],
        "payments.checkout_refused": [
            {"why": why} for why in ("withdrawn", "changed", "blocked", "not_yours", "invalid")
        ],
        "payments.received": [
            {"name": "Ana", "plan_name": "Mensual", "days": 30, "stars": 250},
            {"name": "Ana", "plan_name": "Un día", "days": 1, "stars": 1},
        ],
        "payments.renewed": [
            {
                "name": "Ana",
                "plan_name": "Mensual",
                "added_days": 30,
                "ends_at": _h(35),
                "stars": 250,
            }
        ],
        "payments.unmatched": [{"name": "Ana", "stars": 250}],
        "reminders.before_end": [
            {
                "name": "Bruno",
                "ends_at": _h(3),
                "plan_name": "Mensual",
                "creator_username": "diana",
            },
            {"name": "Bruno", "ends_at": _h(1)},
            {"name": "Bruno", "ends_at": _h(0, 5)},
            {"name": "Bruno", "ends_at": _h(1), "plan_name": "Mensual", "offer": OFFERS[0]},
        ],
        "expiry.farewell": [
            {"name": "Bruno", "ended_at": _h(0), "creator_username": "diana"},
            {"name": "Bruno", "ended_at": _h(0)},
        ],
        "expiry.intruder": [{}],
        "expiry.unauthorized_join": [{"user": ANA}, {"user": BRUNO, "removed": False}],
        "expiry.removal_stuck": [{"user": BRUNO, "attempts": 5}],
        "broadcast.choose": [{}, {"vip_ready": False}],
        "broadcast.ask_content": [{"target": "vip"}],
        "broadcast.preview_header": [{"target": "free"}],
        "broadcast.confirm": [{"target": "vip", "kind": "photo"}, {"target": "free"}],
        "broadcast.sent": [{"target": "vip"}],
        "broadcast.cancelled": [{}],
        "broadcast.failed": [{"target": "free"}],
        "broadcast.unsupported": [{}],
        "broadcast.target_missing": [{"target": "vip"}],
        "stats.overview": [
            {
                "data": StatsData(
                    vip_active=12,
                    vip_expired=30,
                    vip_expiring_7d=2,
                    vip_new_1d=1,
                    vip_new_7d=3,
                    vip_new_30d=9,
                    tokens_issued=60,
                    tokens_used=42,
                    tokens_expired=5,
                    tokens_available=11,
                    tokens_revoked=2,
                    free_pending=4,
                    free_approved=1250,
                    free_avg_wait_minutes=11.5,
                    interests_total=20,
                    interests_pending=3,
                    interests_attended=17,
                    interests_by_category={"VIP_CONTENT": 8, "circle": 12},
                )
            },
            {"data": StatsData()},
        ],
        "dashboard.dashboard": [
            {
                "data": DashboardData(
                    config=CONFIG,
                    vip_active=12,
                    vip_expiring_7d=2,
                    free_pending=4,
                    free_ready=2,
                    tokens_unused=5,
                    interests_pending=3,
                    plans_active=1,
                    last_run=RUN,
                    warnings=("cron_stale", "removals_stuck", "brand_new_code"),
                )
            },
            {"data": DashboardData(config=CONFIG_EMPTY)},
            {
                "data": DashboardData(
                    config=CONFIG, last_run=RUN, last_rehearsal=RUN_DRY, warnings=("dry_run",)
                )
            },
        ],
        "diagnostics.run_report": [{"run": RUN}, {"run": RUN_DRY}],
        "diagnostics.dead_letter": [
            {
                "letter_id": 7,
                "update_id": 912345678,
                "attempts": 5,
                "error": "TelegramServerError: Telegram server says - Bad Gateway",
            }
        ],
        "diagnostics.dry_run_plan": [
            {
                "run": RUN_DRY,
                "actions": [
                    PlannedAction(kind="remind", user=BRUNO, when=_h(3)),
                    PlannedAction(kind="remove", user=ANA),
                    PlannedAction(kind="approve", user=BLOCKED),
                ],
            },
            {"run": RUN_DRY, "actions": [PlannedAction(kind="expire", user=ANA)] * 120},
            {"run": RUN_DRY, "actions": []},
        ],
        "diagnostics.running": [{}],
        "diagnostics.report": [
            {
                "checks": CHECKS_BAD,
                "smoke": SMOKE_BAD,
                "pytest": CheckCard("pytest", True, None, "production"),
                "duration_ms": 4321.0,
                "alerts_on": True,
            },
            {
                "checks": CHECKS_OK,
                "smoke": SMOKE_OK,
                "pytest": CheckCard("pytest", True, None, "available"),
                "duration_ms": 1200.0,
                "alerts_on": False,
            },
            {"checks": CHECKS_OK, "smoke": []},
        ],
        "diagnostics.alerts_toggled": [{"on": True}, {"on": False}],
        "diagnostics.house_alert": [
            {"kind": "dead_letters", "count": 3, "handler": "admin.vip.on_issue"},
            {"kind": "redis_fallback"},
            {"kind": "cron_failed", "steps": "expiry,free"},
            {"kind": "cron_stale", "minutes": 47},
            {
                "kind": "webhook_error",
                "minutes": 4,
                "pending": 12,
                "detail": "Wrong response from the webhook: 500 Internal Server Error",
            },
            {"kind": "brand_new_kind"},
        ],
        "diagnostics.profile_armed": [{"count": 20}, {"count": 0}],
        "diagnostics.profile_usage": [{"maximum": 100}],
        "diagnostics.profile_report": [
            {
                "report": ProfileReport(
                    remaining=3,
                    profiled=17,
                    hot_spots=(
                        ("bot/routers/start.py:26(on_start)", 12.5),
                        ("ledger.py:48(claim)", 3.1),
                    ),
                    slowest=(("admin.vip.on_issue_go", 180.0, 2), ("start.on_start", 41.0, 15)),
                )
            },
            {"report": ProfileReport()},
        ],
    }


CHECKS_OK = [
    CheckCard("database", True, 2.1),
    CheckCard("schema", True, 3.0, None, {"current": "0002_ops", "head": "0002_ops"}),
    CheckCard("redis", True, 0.4, None, {"mode": "redis"}),
    CheckCard("webhook", True, 80.0, None, {"url": "https://lucien.example/webhook", "pending": 0}),
    CheckCard("identity", True, 70.0, None, {"username": "LucienBot"}),
    CheckCard("channel_vip", True, 90.0),
    CheckCard("channel_free", True, 85.0),
    CheckCard("cron", True, 1.0, None, {"minutes": 3, "every_minutes": 5, "status": "ok"}),
    CheckCard("dead_letters", True, 1.0, None, {"count": 0}),
    CheckCard("stuck_updates", True, 1.0, None, {"count": 0}),
    CheckCard("n_plus_one", True, 1.0, None, {"threshold": 40}),
]
CHECKS_BAD = [
    CheckCard("database", True, 2.1),
    CheckCard("schema", False, 3.0, "behind", {"current": "0001", "head": "0002_ops"}),
    CheckCard("redis", False, 2000.0, "down", {"error": "ConnectionError"}),
    CheckCard(
        "webhook",
        False,
        80.0,
        "url_mismatch",
        {
            "url": "https://old.example/webhook",
            "expected": "https://lucien.example/webhook",
            "pending": 14,
            "last_error_minutes": 3,
            "last_error": "Connection refused",
        },
    ),
    CheckCard("identity", False, 4000.0, "timeout"),
    CheckCard("channel_vip", False, 90.0, "rights", {"missing": ["invite", "restrict"]}),
    CheckCard("channel_free", False, None, "missing"),
    CheckCard("cron", False, 1.0, "stale", {"minutes": 95, "every_minutes": 5, "status": "ok"}),
    CheckCard("dead_letters", False, 1.0, "present", {"count": 4}),
    CheckCard("stuck_updates", False, 1.0, "stuck", {"count": 2}),
    CheckCard(
        "n_plus_one",
        False,
        1.0,
        "offenders",
        {
            "threshold": 40,
            "offenders": [{"handler": "admin.users.on_list", "times": 3, "max_sql": 212}],
        },
    ),
]
SMOKE_OK = [
    CheckCard("smoke_start", True, 120.0, None, {"messages": 1, "sql": 21, "telegram": 1}),
    CheckCard("smoke_redeem", True, 380.0, None, {"links": 1, "sql": 97, "telegram": 7}),
    CheckCard("smoke_cron", True, 90.0, None, {"planned": 0}),
]
SMOKE_BAD = [
    CheckCard("smoke_start", False, 120.0, "failed", {"detail": "outcome failed, 0 messages"}),
    CheckCard("smoke_redeem", False, 6000.0, "timeout"),
    CheckCard("smoke_cron", True, 90.0, None, {"planned": 2}),
]


PAY = PaymentCard(
    id=300,
    user_id=BRUNO.id,
    plan_name="Mensual",
    days=30,
    stars=250,
    paid_at=_h(-20),
    subscription_id=SUB.id,
)
PAY_BACK = dataclasses.replace(
    PAY, id=301, kind="renewal", refunded_at=_h(-1), refunded_days=30, paid_at=_h(-10)
)
PAY_ERASED = dataclasses.replace(PAY, id=302, user_id=None, refunded_at=_h(-2), refunded_days=0)
REVENUE = RevenueData(
    total=RevenueLine("", payments=14, stars=3750, refunded=250),
    by_plan=[
        RevenueLine("Mensual", payments=12, stars=3000, refunded=250),
        RevenueLine("Anual", payments=2, stars=750),
    ],
    plans_more=3,
    by_month=[RevenueLine("2026-03", 5, 1250), RevenueLine("2026-02", 9, 2500, 250)],
    page=PAGE,
)


def _payment_cases() -> dict[str, list[dict[str, Any]]]:
    return {
        "admin_payments.member": [
            {
                "user": BRUNO,
                "payments": [PAY_BACK, PAY],
                "page": PAGE,
                "total": RevenueLine("", 2, 500, 250),
            },
            {"user": ANA, "payments": [], "page": Page(), "total": RevenueLine("")},
        ],
        "admin_payments.payment": [
            {"payment": PAY, "back_page": 1},
            {"payment": PAY_BACK},
            {"payment": PAY_ERASED},
        ],
        "admin_payments.refund_confirm": [{"payment": PAY, "back_page": 2}],
        "admin_payments.refunded": [
            {"payment": PAY_BACK, "ends_at": _h(3), "ended": False},
            {"payment": PAY_BACK, "ends_at": _h(0), "ended": True},
            {"payment": PAY_ERASED, "ends_at": None, "ended": False},
            {"payment": PAY_BACK, "ends_at": _h(3), "ended": False, "already": True},
        ],
        "admin_payments.refund_refused": [
            {"payment": PAY, "reason": "Bad Request: CHARGE_NOT_FOUND"}
        ],
        "admin_payments.refund_anonymous": [{}],
        "admin_payments.payment_gone": [{}],
        "admin_payments.revenue": [
            {"data": REVENUE},
            {"data": RevenueData(total=RevenueLine(""))},
        ],
        "admin_payments.member_refunded": [
            {
                "name": "Bruno",
                "stars_back": 250,
                "plan_name": "Mensual",
                "ends_at": _h(3),
                "ended": False,
            },
            {
                "name": "Bruno",
                "stars_back": 1,
                "plan_name": "Mensual",
                "ends_at": _h(0),
                "ended": True,
            },
            {
                "name": "Bruno",
                "stars_back": 250,
                "plan_name": "Mensual",
                "ends_at": _h(-2),
                "ended": False,
            },
        ],
    }


_CACHE: dict[str, list[dict[str, Any]]] = {}


def registry() -> dict[str, list[dict[str, Any]]]:
    """``"provider.method"`` → cases (built on first use)."""
    if not _CACHE:
        _CACHE.update(_member_cases())
        _CACHE.update(_admin_cases())
        _CACHE.update(_payment_cases())
    return _CACHE


def cases(provider: str, method: str) -> list[dict[str, Any]]:
    return [dict(c) for c in registry().get(f"{provider}.{method}", [])]


def hostile(value: Any, text: str, field: str | None = None) -> Any:
    """Replace every person-typed string inside ``value`` with ``text``."""
    if isinstance(value, dict):
        return {k: hostile(v, text, k) for k, v in value.items()}
    if isinstance(value, str):
        return text if field in PERSON_FIELDS else value
    if isinstance(value, list | tuple):
        items = [hostile(v, text, field) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: hostile(getattr(value, f.name), text, f.name) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value


def fixed_now() -> Callable[[], datetime]:
    return lambda: NOW
