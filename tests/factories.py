"""Builders: the rows and the world a test starts from.

Each builder commits what it makes in its own transaction, as the bot would find it. The
people, plans, periods, packages and grants here are made the same way for every test, so
a test says only what is particular to it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from lucien.access.config import update_config
from lucien.access.invitations import Issued, issue
from lucien.access.plans import create_plan
from lucien.access.users import TelegramIdentity, touch_user
from lucien.db.models import (
    AdminGrant,
    Invitation,
    JobRun,
    Package,
    Payment,
    Plan,
    Subscription,
    User,
    utcnow,
)
from lucien.runtime import Runtime
from lucien.services.packages import create_package
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.telegram.double.stars import Charge

VIP = -1001000000001
FREE = -1001000000002
BRUNO = TgUser(id=5002, first_name="Bruno", username="bruno")


async def configure(runtime: Runtime, double: TelegramDouble, **extra: Any) -> None:
    """Both channels exist, the bot administers them, the configuration names them."""
    double.add_chat(VIP, "channel", title="El Diván")
    double.set_bot_admin(VIP)
    double.add_chat(FREE, "channel", title="El Vestíbulo")
    double.set_bot_admin(FREE)
    async with runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=VIP, free_channel_id=FREE, **extra)


OTHER = -1001000000099


async def configure_with_other_channel(runtime: Runtime, double: TelegramDouble) -> int:
    """``configure``, plus a channel the bot administers that Lucien was never told about;
    the double's call log starts empty. Returns that channel's id."""
    await configure(runtime, double)
    double.add_chat(OTHER, "channel", title="Otro")
    double.set_bot_admin(OTHER)
    double.clear_calls()
    return OTHER


async def make_plan(runtime: Runtime, name: str = "Mensual", days: int = 30) -> Plan:
    async with runtime.sessions.begin() as session:
        return await create_plan(session, name, days, "19.99", "USD")


async def make_invitation(runtime: Runtime, plan_id: int, **kwargs: Any) -> Issued:
    async with runtime.sessions.begin() as session:
        return (await issue(session, plan_id, **kwargs))[0]


async def expire_invitation(
    runtime: Runtime, invitation_id: int, ago: timedelta = timedelta(minutes=1)
) -> None:
    """Move an invitation's redeem-by deadline into the past (unused, now expired)."""
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id)
            .values(redeem_by=utcnow() - ago)
        )


async def add_user(
    runtime: Runtime,
    user_id: int,
    first_name: str = "Bruno",
    username: str | None = None,
    *,
    seen_at: datetime | None = None,
    **columns: Any,
) -> None:
    """A person Lucien has seen (``columns`` set on the ``users`` row afterwards)."""
    async with runtime.sessions.begin() as session:
        await touch_user(
            session, TelegramIdentity(id=user_id, first_name=first_name, username=username)
        )
        values = dict(columns)
        if seen_at is not None:
            values.update(first_seen_at=seen_at, last_seen_at=seen_at)
        if values:
            await session.execute(update(User).where(User.id == user_id).values(**values))


async def _known(runtime: Runtime, user_id: int, first_name: str = "Bruno") -> None:
    """The person is made first if Lucien has not seen them."""
    async with runtime.sessions() as session:
        known = await session.get(User, user_id) is not None
    if not known:
        await add_user(runtime, user_id, first_name)


async def add_subscription(
    runtime: Runtime,
    user_id: int,
    ends_in: timedelta,
    *,
    started_ago: timedelta = timedelta(days=10),
    status: str = "active",
    plan_id: int | None = None,
    first_name: str = "Bruno",
    **values: Any,
) -> int:
    """A period ending ``ends_in`` from now (the person is made first if Lucien has not
    seen them); its ritual is complete. Returns its id."""
    await _known(runtime, user_id, first_name)
    now = utcnow()
    async with runtime.sessions.begin() as session:
        return int(
            (
                await session.execute(
                    insert(Subscription)
                    .values(
                        user_id=user_id,
                        plan_id=plan_id,
                        started_at=now - started_ago,
                        ends_at=now + ends_in,
                        status=status,
                        ritual_stage=4,
                        removal_attempts=0,
                        created_at=now - started_ago,
                        **values,
                    )
                    .returning(Subscription.id)
                )
            ).scalar_one()
        )


async def make_vip(
    runtime: Runtime, who: TgUser, days: int = 30, *, plan_name: str = "Mensual"
) -> Subscription:
    """An active member of a plan called ``plan_name`` whose ritual is complete."""
    now = utcnow()
    async with runtime.sessions.begin() as session:
        await touch_user(session, TelegramIdentity(id=who.id, first_name=who.first_name))
        found = (
            await session.execute(select(Plan).where(Plan.name == plan_name))
        ).scalar_one_or_none()
        plan = found or await create_plan(session, plan_name, 30, "19.99", "USD")
        sub = Subscription(
            user_id=who.id,
            plan_id=plan.id,
            started_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=days),
            status="active",
            ritual_stage=4,
        )
        session.add(sub)
    return sub


async def add_grant(runtime: Runtime, user_id: int, by: int, *, revoked: bool = False) -> None:
    now = utcnow()
    async with runtime.sessions.begin() as session:
        await session.execute(
            insert(AdminGrant).values(
                user_id=user_id,
                granted_by=by,
                granted_at=now,
                revoked_at=now if revoked else None,
                revoked_by=by if revoked else None,
            )
        )


async def make_package(
    runtime: Runtime,
    name: str,
    category: str = "FREE_CONTENT",
    *,
    price: str | None = None,
    description: str = "Algo que Diana preparó.",
    active: bool = True,
) -> Package:
    async with runtime.sessions.begin() as session:
        package = await create_package(
            session,
            name=name,
            description=description,
            price=Decimal(price) if price else None,
            category=category,
        )
        package.active = active
    return package


async def add_job_run(runtime: Runtime, status: str = "ok", ago: timedelta = timedelta()) -> None:
    started = utcnow() - ago
    async with runtime.sessions.begin() as session:
        await session.execute(
            insert(JobRun).values(
                job="cron",
                started_at=started,
                finished_at=started + timedelta(seconds=3),
                status=status,
                dry_run=False,
                counts={"approved": 2},
                errors=0 if status == "ok" else 1,
            )
        )


async def add_payment(
    runtime: Runtime,
    user_id: int,
    *,
    double: TelegramDouble | None = None,
    subscription_id: int | None = None,
    plan: Plan | None = None,
    plan_name: str = "Mensual",
    days: int = 30,
    stars: int = 250,
    paid_at: datetime | None = None,
    kind: str = "new",
    charge_id: str | None = None,
    **columns: Any,
) -> Payment:
    """A recorded Stars payment (as the checkout records one); with ``double``, Telegram
    holds the charge too, so ``refundStarPayment`` can give it back."""
    await _known(runtime, user_id)
    async with runtime.sessions.begin() as session:
        count = len((await session.execute(select(Payment.id))).all())
        charge = charge_id or f"stxc-test-{secrets.token_hex(8)}"  # opaque, as Telegram's
        payment = Payment(
            charge_id=charge,
            user_id=user_id,
            plan_id=plan.id if plan is not None else None,
            subscription_id=subscription_id,
            plan_name=plan.name if plan is not None else plan_name,
            days=plan.days if plan is not None else days,
            stars=stars,
            payload=f"plan:{plan.id if plan is not None else 0}:{user_id}:nonce{count}",
            kind=kind,
            paid_at=paid_at or utcnow(),
            **columns,
        )
        session.add(payment)
    if double is not None:
        double.stars.charges[charge] = Charge(
            charge,
            {"id": user_id, "is_bot": False, "first_name": "Payer"},
            stars,
            payment.payload,
            int(payment.paid_at.timestamp()),
        )
    return payment
