"""What the panel reads and does about Telegram Stars payments.

- A member's payments, newest first, a page at a time (date, plan, Stars, refunded).
- Revenue: totals, by plan (as sold: the plan's name copied at payment time, so a renamed
  or deleted plan still adds up) and by calendar month (UTC), months paged. *Paid* is every
  payment; *refunded* what was given back; *net* the difference. One aggregate statement
  per figure, never a row per payment.
- A refund: Telegram first (``refundStarPayment``), then the database
  (:func:`lucien.access.refunds.record`, a journaled effect); once the member has been
  told, when the refund ended the period, they leave the Diván exactly as at the end of a
  period (:func:`lucien.jobs.on_demand.remove_subscription`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from sqlalchemy import String, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import refunds
from lucien.access.refunds import Refund, RefundError
from lucien.db.models import Payment, utcnow
from lucien.db.records import from_attributes
from lucien.jobs import on_demand
from lucien.journal import once
from lucien.runtime import Runtime
from lucien.telegram.errors import charge_already_refunded, description
from lucien.voice.data import Page, PaymentCard, RevenueData, RevenueLine

PAYMENTS_PER_PAGE = 8
MONTHS_PER_PAGE = 6
PLANS_SHOWN = 8
RECENT = timedelta(days=30)


def payment_card(p: Payment) -> PaymentCard:
    return from_attributes(PaymentCard, p, kind="renewal" if p.kind == "renewal" else "new")


# -- one member's payments ----------------------------------------------------------------


async def member_payments(
    session: AsyncSession, user_id: int, page: int, *, per_page: int = PAYMENTS_PER_PAGE
) -> tuple[list[PaymentCard], Page, RevenueLine]:
    """A page of the member's payments (newest first) and their totals."""
    total = await _totals(session, Payment.user_id == user_id)
    at = Page.of(total.payments, page, per_page)
    found = await session.scalars(
        select(Payment)
        .where(Payment.user_id == user_id)
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
        .offset(at.page * per_page)
        .limit(per_page)
    )
    return [payment_card(p) for p in found], at, total


async def payment(session: AsyncSession, payment_id: int) -> PaymentCard | None:
    found = await session.get(Payment, payment_id, populate_existing=True)
    return payment_card(found) if found is not None else None


# -- revenue ------------------------------------------------------------------------------


def _sums() -> tuple[Any, Any, Any]:
    refunded = func.coalesce(
        func.sum(case((Payment.refunded_at.is_not(None), Payment.stars), else_=0)), 0
    )
    return func.count(Payment.id), func.coalesce(func.sum(Payment.stars), 0), refunded


def _line(label: str, row: Any) -> RevenueLine:
    count, paid, refunded = (int(v or 0) for v in row)
    return RevenueLine(label=label, payments=count, stars=paid, refunded=refunded)


async def _totals(session: AsyncSession, *where: Any) -> RevenueLine:
    row = (await session.execute(select(*_sums()).where(*where))).one()
    return _line("", row)


def _month(session: AsyncSession) -> Any:
    """``YYYY-MM`` of ``paid_at`` (UTC) in the dialect at hand."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Payment.paid_at), "YYYY-MM")
    return cast(func.strftime("%Y-%m", Payment.paid_at), String)


async def revenue(
    session: AsyncSession, page: int = 0, *, per_page: int = MONTHS_PER_PAGE
) -> RevenueData:
    """Totals, the best-selling plans (``PLANS_SHOWN``) and a page of months, newest first."""
    total = await _totals(session)
    plans = (
        await session.execute(
            select(Payment.plan_name, *_sums())
            .group_by(Payment.plan_name)
            .order_by(func.sum(Payment.stars).desc(), Payment.plan_name)
        )
    ).all()
    month = _month(session).label("month")
    months = int(await session.scalar(select(func.count(func.distinct(_month(session))))) or 0)
    at = Page.of(months, page, per_page)
    by_month = (
        await session.execute(
            select(month, *_sums())
            .group_by(month)
            .order_by(month.desc())
            .offset(at.page * per_page)
            .limit(per_page)
        )
    ).all()
    return RevenueData(
        total=total,
        by_plan=[_line(str(r[0]), r[1:]) for r in plans[:PLANS_SHOWN]],
        plans_more=max(0, len(plans) - PLANS_SHOWN),
        by_month=[_line(str(r[0]), r[1:]) for r in by_month],
        page=at,
    )


async def stats_figures(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """The observations' Stars line: paid, refunded and payments in all, paid in 30 days."""
    now = now or utcnow()
    total = await _totals(session)
    recent = await _totals(session, Payment.paid_at > now - RECENT)
    return {
        "stars_paid": total.stars,
        "stars_refunded": total.refunded,
        "payments": total.payments,
        "stars_paid_30d": recent.stars,
    }


# -- refunds ------------------------------------------------------------------------------


async def refund(runtime: Runtime, payment_id: int, *, actor_id: int | None) -> Refund:
    """Give a payment's Stars back and take its days off the period, once.

    Retry-safe: a payment already marked is not sent to Telegram again; Telegram's
    ``CHARGE_ALREADY_REFUNDED`` (an earlier attempt whose answer was lost, another
    custodian's press) counts as done; the database half is a journaled effect, so a
    redelivered press gets the same outcome (and says the same words), and its conditional
    writes make a second press change nothing. A network error or a 5xx propagates: the
    update fails and Telegram delivers it again. Any other refusal raises
    ``RefundError("refused")`` and changes nothing.
    """
    async with runtime.sessions() as session:
        found = await session.get(Payment, payment_id)
        if found is None:
            raise RefundError("not_found")
        user_id, charge_id, done = found.user_id, found.charge_id, found.refunded_at is not None
    if not done:
        if user_id is None:
            raise RefundError("anonymous")
        try:
            await runtime.bot.refund_star_payment(
                user_id=user_id, telegram_payment_charge_id=charge_id
            )
        except TelegramBadRequest as exc:
            if not charge_already_refunded(exc):
                raise RefundError("refused", description(exc)) from exc
    async with runtime.sessions.begin() as session:
        outcome = await once(
            session,
            f"payment.refund:{payment_id}",
            Refund,
            lambda: refunds.record(session, payment_id, actor_id=actor_id),
        )
    return outcome


async def leave_if_ended(runtime: Runtime, done: Refund, *, actor_id: int | None) -> None:
    """When the refund ended the period, the member leaves the Diván now, exactly as at the
    end of a period (farewell, ban + unban, links revoked; the cron retries a failure).

    Called after the member was told of the refund, so the farewell comes second. On a
    re-run it finds the period closed (by the earlier attempt or the cron) and does nothing.
    """
    if done.ended and done.subscription_id is not None:
        await on_demand.remove_subscription(runtime, done.subscription_id, actor_id=actor_id)
