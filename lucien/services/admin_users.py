"""Admin · people: search, lists by role, profile tabs, and what an admin may do to a person.

The role of each listed person is derived **in SQL**, with the same precedence as
:func:`lucien.access.roles.derive_role` — an env admin or an active grant, then an active
subscription (status active and end in the future), then Free — so the counts on the menu and
the paginated lists always agree (:func:`role_expr` is the one expression both use).

Every change is one conditional statement (never read-check-write) and writes the audit log
in the same transaction. Telegram calls (removal from the channels, revoking links) happen
after the transaction is closed: see :func:`remove_from_channels`.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVarTuple

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlalchemy import (
    Row,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from lucien.access import audit
from lucien.access.join_requests import DECLINED, PENDING
from lucien.access.removal import remove_member
from lucien.access.roles import granted_admin, is_admin, is_env_admin, role_expr
from lucien.access.subscriptions import ACTIVE, EXPIRED
from lucien.db.models import (
    AdminGrant,
    AuditEntry,
    Interest,
    InviteLink,
    JoinRequest,
    Package,
    Plan,
    Subscription,
    User,
    utcnow,
)
from lucien.db.records import from_attributes
from lucien.db.results import rowcount
from lucien.db.upsert import insert_for
from lucien.runtime import Runtime
from lucien.services import packages as packages_service
from lucien.services.cards import sub_card, user_card
from lucien.settings import Settings
from lucien.telegram.errors import invite_link_gone
from lucien.voice.data import (
    AuditCard,
    InterestCard,
    Page,
    Role,
    RoleCounts,
    RoleFilter,
    SubscriptionCard,
    UserCard,
)

log = logging.getLogger(__name__)


PER_PAGE = 10
SEARCH_LIMIT = 20
SEARCH_MAX_LENGTH = 64
SUBSCRIPTIONS_SHOWN = 15
ROLE_FILTERS: tuple[RoleFilter, ...] = ("admin", "vip", "free", "blocked")

_ID_RE = re.compile(r"^\d{1,19}$")
_USERNAME_RE = re.compile(r"^@?([A-Za-z0-9_]{1,32})$")
_INT64_MAX = 2**63 - 1


# ----------------------------------------------------------------------------- roles in SQL


def _role_filter(settings: Settings, role: RoleFilter, now: datetime) -> ColumnElement[bool]:
    if role == "blocked":
        return User.is_blocked.is_(True)
    return role_expr(settings, now) == role


def _card(user: User, role: str, settings: Settings) -> UserCard:
    shown = Role(role) if role in ("admin", "vip", "free") else Role.FREE
    return user_card(user, shown, is_owner=user.id == settings.owner_id)


async def role_counts(
    session: AsyncSession, settings: Settings, now: datetime | None = None
) -> RoleCounts:
    """How many people per derived role (one grouped query) and how many are blocked."""
    now = now or utcnow()
    roles = select(role_expr(settings, now).label("role")).select_from(User).subquery()
    grouped = await session.execute(select(roles.c.role, func.count()).group_by(roles.c.role))
    by_role = {str(role): int(n) for role, n in grouped.all()}
    blocked = await session.scalar(
        select(func.count()).select_from(User).where(User.is_blocked.is_(True))
    )
    return RoleCounts(
        admins=by_role.get("admin", 0),
        vip=by_role.get("vip", 0),
        free=by_role.get("free", 0),
        blocked=int(blocked or 0),
    )


async def list_users(
    session: AsyncSession,
    settings: Settings,
    role: RoleFilter,
    page: int = 0,
    *,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> tuple[list[UserCard], Page]:
    """One page of people with this role (or blocked), most recently seen first."""
    now = now or utcnow()
    where = _role_filter(settings, role, now)
    total = int(await session.scalar(select(func.count()).select_from(User).where(where)) or 0)
    where_page = Page.of(total, page, per_page)
    rows = await session.execute(
        select(User, role_expr(settings, now).label("role"))
        .where(where)
        .order_by(User.last_seen_at.desc(), User.id.desc())
        .offset(where_page.page * per_page)
        .limit(per_page)
    )
    return [_card(user, str(r), settings) for user, r in rows.all()], where_page


# ----------------------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchQuery:
    user_id: int | None = None
    username: str | None = None


def parse_search(text: str | None) -> SearchQuery | None:
    """A Telegram id (digits) or a username (``@name`` or ``name``); None if neither."""
    value = (text or "").strip()
    if not value or len(value) > SEARCH_MAX_LENGTH:
        return None
    if _ID_RE.match(value):
        number = int(value)
        return SearchQuery(user_id=number) if 0 < number <= _INT64_MAX else None
    found = _USERNAME_RE.match(value)
    if found:
        return SearchQuery(username=found.group(1))
    return None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    session: AsyncSession, settings: Settings, query: SearchQuery, now: datetime | None = None
) -> list[UserCard]:
    now = now or utcnow()
    role = role_expr(settings, now).label("role")
    if query.user_id is not None:
        stmt = select(User, role).where(User.id == query.user_id)
    else:
        wanted = (query.username or "").lower()
        lowered = func.lower(User.username)
        stmt = (
            select(User, role)
            .where(lowered.like(_like_escape(wanted) + "%", escape="\\"))
            .order_by(case((lowered == wanted, 0), else_=1), lowered, User.id)
        )
    rows = await session.execute(stmt.limit(SEARCH_LIMIT))
    return [_card(user, str(r), settings) for user, r in rows.all()]


# ----------------------------------------------------------------------------- profile


async def get_card(
    session: AsyncSession, settings: Settings, user_id: int, now: datetime | None = None
) -> UserCard | None:
    now = now or utcnow()
    row = (
        await session.execute(
            select(User, role_expr(settings, now).label("role"))
            .where(User.id == user_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return _card(row[0], str(row[1]), settings) if row else None


async def subscriptions_of(
    session: AsyncSession, card: UserCard, now: datetime | None = None
) -> list[SubscriptionCard]:
    now = now or utcnow()
    rows = await session.execute(
        select(Subscription, Plan.name)
        .outerjoin(Plan, Plan.id == Subscription.plan_id)
        .where(Subscription.user_id == card.id)
        .order_by(Subscription.started_at.desc(), Subscription.id.desc())
        .limit(SUBSCRIPTIONS_SHOWN)
    )
    return [sub_card(sub, card, plan_name, now) for sub, plan_name in rows.all()]


def _about(user_id: int) -> ColumnElement[bool]:
    """Audit entries about this person: as target, as actor, or about their memberships."""
    their_subs = select(cast(Subscription.id, String(64))).where(Subscription.user_id == user_id)
    return or_(
        and_(AuditEntry.target_type == "user", AuditEntry.target_id == str(user_id)),
        AuditEntry.actor_id == user_id,
        and_(AuditEntry.target_type == "subscription", AuditEntry.target_id.in_(their_subs)),
    )


_Cols = TypeVarTuple("_Cols")


async def _newest_first(
    session: AsyncSession,
    stmt: Select[*_Cols],
    model: Any,
    where: Any,
    page: int,
    per_page: int,
) -> tuple[Sequence[Row[*_Cols]], Page]:
    """One page of a person's history (``model``'s rows matching ``where``), newest first:
    the page is clamped to what exists, so a stale page number still shows rows."""
    total = int(await session.scalar(select(func.count()).select_from(model).where(where)) or 0)
    at = Page.of(total, page, per_page)
    rows = await session.execute(
        stmt.where(where)
        .order_by(model.created_at.desc(), model.id.desc())
        .offset(at.page * per_page)
        .limit(per_page)
    )
    return rows.all(), at


async def audit_of(
    session: AsyncSession, user_id: int, page: int = 0, *, per_page: int = PER_PAGE
) -> tuple[list[AuditCard], Page]:
    actor = aliased(User, name="actor")
    stmt = select(AuditEntry, actor.first_name, actor.last_name).outerjoin(
        actor, actor.id == AuditEntry.actor_id
    )
    rows, at = await _newest_first(session, stmt, AuditEntry, _about(user_id), page, per_page)
    cards = []
    for entry, first, last in rows:
        name = " ".join(p for p in (first or "", last or "") if p) or None
        if name is None and entry.actor_id is not None:
            name = str(entry.actor_id)
        cards.append(from_attributes(AuditCard, entry, actor_name=name))
    return cards, at


async def interests_of(
    session: AsyncSession, card: UserCard, page: int = 0, *, per_page: int = PER_PAGE
) -> tuple[list[InterestCard], Page]:
    stmt = select(Interest, Package).outerjoin(Package, Package.id == Interest.package_id)
    where = Interest.user_id == card.id
    rows, at = await _newest_first(session, stmt, Interest, where, page, per_page)
    cards = []
    for interest, package in rows:
        pack = packages_service.card(package) if package is not None else None
        # attended_by stays None: the profile lists them without the custodian's name
        cards.append(
            from_attributes(InterestCard, interest, user=card, package=pack, attended_by=None)
        )
    return cards, at


# ----------------------------------------------------------------------------- actions


class Result(enum.StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"  # already so (a double tap, an old button)
    NOT_FOUND = "not_found"
    SELF = "self"  # nobody acts on themselves here
    PROTECTED = "protected"  # an admin (env or granted) cannot be blocked/removed/deleted


async def _exists(session: AsyncSession, user_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(User.id == user_id))))


async def _role_of(session: AsyncSession, settings: Settings, user_id: int, now: datetime) -> str:
    card = await get_card(session, settings, user_id, now)
    return card.role if card else "free"


async def set_admin(
    session: AsyncSession,
    settings: Settings,
    *,
    actor_id: int,
    user_id: int,
    admin: bool,
    now: datetime | None = None,
) -> Result:
    """Owner only (the caller checks): grant (an active grant, at most one per person) or
    revoke the custodian role; env admins are beyond the panel's reach either way."""
    now = now or utcnow()
    if user_id == actor_id:
        return Result.SELF
    if is_env_admin(settings, user_id):
        return Result.PROTECTED
    if admin:
        if not await _exists(session, user_id):
            return Result.NOT_FOUND
        before = await _role_of(session, settings, user_id, now)
        inserted = await session.execute(
            insert_for(session, AdminGrant)
            .values(user_id=user_id, granted_by=actor_id, granted_at=now)
            .on_conflict_do_nothing(
                index_elements=["user_id"], index_where=text("revoked_at IS NULL")
            )
        )
        if rowcount(inserted) != 1:
            return Result.UNCHANGED
        values = (before, "admin")
    else:
        revoked = await session.execute(
            update(AdminGrant)
            .where(AdminGrant.user_id == user_id, AdminGrant.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=actor_id)
        )
        if rowcount(revoked) == 0:
            return Result.UNCHANGED if await _exists(session, user_id) else Result.NOT_FOUND
        values = ("admin", await _role_of(session, settings, user_id, now))
    action = "admin.grant" if admin else "admin.revoke"
    await audit.change(
        session, action, ("user", user_id), "role", values, actor_id=actor_id, at=now
    )
    return Result.DONE


async def set_blocked(
    session: AsyncSession,
    settings: Settings,
    *,
    actor_id: int,
    user_id: int,
    blocked: bool,
    now: datetime | None = None,
) -> Result:
    """Block (admins never) or unblock; a new block earns the person one notice again."""
    now = now or utcnow()
    if user_id == actor_id:
        return Result.SELF
    if blocked and is_env_admin(settings, user_id):
        return Result.PROTECTED
    where = [User.id == user_id, User.is_blocked.is_(not blocked)]
    if blocked:
        where.append(~granted_admin(user_id))
    changed = await session.execute(
        update(User).where(*where).values(is_blocked=blocked, blocked_notice_sent=False)
    )
    if rowcount(changed) != 1:
        if not await _exists(session, user_id):
            return Result.NOT_FOUND
        if blocked and await is_admin(session, settings, user_id):
            return Result.PROTECTED
        return Result.UNCHANGED
    action = "user.block" if blocked else "user.unblock"
    target, values = ("user", user_id), (not blocked, blocked)
    await audit.change(session, action, target, "is_blocked", values, actor_id=actor_id, at=now)
    return Result.DONE


@dataclass
class RemovalPlan:
    """What is left to do in Telegram once the database says the person is out."""

    result: Result
    user_id: int
    channels: list[int] = field(default_factory=list)
    links: list[tuple[int, str]] = field(default_factory=list)  # (chat id, link) to revoke
    #: no VIP channel is configured: nothing to remove the person from there, ever
    vip_missing: bool = False


async def _precheck(
    session: AsyncSession, settings: Settings, actor_id: int | None, user_id: int
) -> Result | None:
    if user_id == actor_id:
        return Result.SELF
    if await is_admin(session, settings, user_id):
        return Result.PROTECTED
    if not await _exists(session, user_id):
        return Result.NOT_FOUND
    return None


async def _end_memberships(
    session: AsyncSession, user_id: int, now: datetime
) -> tuple[list[int], int]:
    """Active periods → expired now; pending Free requests → declined (so the cron never
    lets the person back in). Returns (ended subscription ids, declined requests)."""
    ended = await session.execute(
        update(Subscription)
        .where(Subscription.user_id == user_id, Subscription.status == ACTIVE)
        .values(
            status=EXPIRED,
            removed_at=now,
            ends_at=case((Subscription.ends_at > now, now), else_=Subscription.ends_at),
            claimed_until=None,
        )
        .returning(Subscription.id)
    )
    ended_ids = sorted(ended.scalars())
    declined = await session.execute(
        update(JoinRequest)
        .where(JoinRequest.user_id == user_id, JoinRequest.status == PENDING)
        .values(status=DECLINED, decided_at=now, last_error="removed by an admin")
    )
    return ended_ids, rowcount(declined)


def _channels(vip_channel_id: int | None, free_channel_id: int | None) -> list[int]:
    return [c for c in (vip_channel_id, free_channel_id) if c is not None]


async def _open_links(session: AsyncSession, user_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(InviteLink.chat_id, InviteLink.link).where(
            InviteLink.user_id == user_id,
            InviteLink.used_at.is_(None),
            InviteLink.revoked_at.is_(None),
        )
    )
    return [(int(c), str(link)) for c, link in rows.all()]


async def begin_removal(
    session: AsyncSession,
    settings: Settings,
    *,
    actor_id: int,
    user_id: int,
    vip_channel_id: int | None,
    free_channel_id: int | None,
    now: datetime | None = None,
) -> RemovalPlan:
    """ "Remove from the channels", database half: memberships end now, audited."""
    now = now or utcnow()
    refused = await _precheck(session, settings, actor_id, user_id)
    if refused is not None:
        return RemovalPlan(refused, user_id)
    links = await _open_links(session, user_id)
    ended, declined = await _end_memberships(session, user_id, now)
    if links:
        await session.execute(
            update(InviteLink)
            .where(
                InviteLink.user_id == user_id,
                InviteLink.used_at.is_(None),
                InviteLink.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    channels = _channels(vip_channel_id, free_channel_id)
    await audit.record(
        session,
        "user.kick",
        actor_id=actor_id,
        target_type="user",
        target_id=user_id,
        before={"active_subscriptions": len(ended), "pending_free_requests": declined},
        after={
            "ended_subscriptions": ",".join(str(i) for i in ended),
            "channels": ",".join(str(c) for c in channels),
            "links_revoked": len(links),
        },
        at=now,
    )
    return RemovalPlan(Result.DONE, user_id, channels, links, vip_missing=vip_channel_id is None)


async def begin_wipe(
    session: AsyncSession,
    settings: Settings,
    *,
    actor_id: int | None,
    user_id: int,
    vip_channel_id: int | None,
    free_channel_id: int | None,
    now: datetime | None = None,
) -> RemovalPlan:
    """ "Delete the data", first half: memberships end now; every row stays.

    The rows go only once Telegram has let the person out (:func:`finish_wipe`): a failure
    there leaves the person findable, so the deletion can be asked again and finished.
    """
    now = now or utcnow()
    refused = await _precheck(session, settings, actor_id, user_id)
    if refused is not None:
        return RemovalPlan(refused, user_id)
    links = await _open_links(session, user_id)
    await _end_memberships(session, user_id, now)
    return RemovalPlan(Result.DONE, user_id, _channels(vip_channel_id, free_channel_id), links)


async def finish_wipe(runtime: Runtime, *, actor_id: int | None, user_id: int) -> dict[str, int]:
    """Last half, once out of the channels: every row deleted or anonymised, Redis too."""
    from lucien.data.person import erase, redis_forget

    async with runtime.sessions.begin() as session:
        removed = await erase(session, user_id, actor_id=actor_id)
    await redis_forget(runtime.redis(), runtime.settings.redis_prefix, user_id)
    return removed


@dataclass
class Wipe:
    result: Result
    problems: list[str] = field(default_factory=list)  # Telegram's; the rows are kept
    removed: dict[str, int] = field(default_factory=dict)


async def wipe(runtime: Runtime, *, actor_id: int | None, user_id: int) -> Wipe:
    """The whole deletion (panel and ``lucien users delete``); safe to ask again."""
    from lucien.access.config import get_config

    async with runtime.sessions.begin() as session:
        config = await get_config(session)
        removal = await begin_wipe(
            session,
            runtime.settings,
            actor_id=actor_id,
            user_id=user_id,
            vip_channel_id=config.vip_channel_id,
            free_channel_id=config.free_channel_id,
        )
    if removal.result is not Result.DONE:
        return Wipe(removal.result)
    problems = await remove_from_channels(runtime.bot, removal)
    if problems:
        return Wipe(Result.DONE, problems)
    return Wipe(Result.DONE, removed=await finish_wipe(runtime, actor_id=actor_id, user_id=user_id))


async def remove_from_channels(bot: Bot, removal: RemovalPlan) -> list[str]:
    """Telegram half (no transaction open): ban then unban ``only_if_banned`` in each
    channel, so a future invitation still works, and revoke the person's open links.

    Returns what could not be done (logged); "not a member" counts as done.
    """
    problems: list[str] = []
    for chat_id in removal.channels:
        try:
            refused = await remove_member(bot, chat_id, removal.user_id)
        except TelegramAPIError as exc:
            refused = str(exc)
        if refused is not None:
            log.warning("removing %s from %s failed: %s", removal.user_id, chat_id, refused)
            problems.append(f"{chat_id}: {refused}")
    for chat_id, link in removal.links:
        try:
            await bot.revoke_chat_invite_link(chat_id, link)
        except TelegramAPIError as exc:
            if not invite_link_gone(exc):
                log.warning("revoking a link of %s failed: %s", removal.user_id, exc)
                problems.append(f"link: {exc}")
    return problems
