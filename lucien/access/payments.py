"""Selling plans inside the bot with Telegram Stars: offers, invoices, checkout, payment.

The flow Telegram imposes, and what Lucien does at each step:

1. **Invoice** (:func:`prepare_invoice`): the plan is on sale (active, with a price in
   Stars) and the person is not blocked. The payload names the plan, the person, the days
   promised and a nonce; the nonce is derived from the button press, so a redelivered press
   sends the very same invoice (the Telegram journal then recognises it as sent).
2. **Checkout** (:func:`check_checkout`, answered within Telegram's 10 s): the plan is
   still offered, its price and days are those of the invoice, the currency is Stars, the
   payer is the person named in the payload, and they are not blocked. Reads only.
3. **Payment** (:func:`record_payment`): once the Stars are charged there is no refusing
   any more. The payment row is inserted first with ``ON CONFLICT (charge_id) DO
   NOTHING``: the transaction whose insert lands grants the period (through the same
   :func:`~lucien.access.redemption.grant_period` an invitation uses: a new member gets the
   ritual, a renewing one the extension) and fills in the row; any other — a repeated or
   concurrent ``successful_payment`` with the same ``telegram_payment_charge_id`` — finds
   the row taken and grants nothing. The person's row is locked first, so two grants for
   one person never interleave. It is a journaled effect: a redelivery of the same update
   gets the first attempt's result back and finishes the conversation from there.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import audit
from lucien.access.redemption import Grant, Outcome, grant_period, lock_user
from lucien.db.models import Payment, Plan, User, utcnow
from lucien.db.upsert import insert_ignore
from lucien.journal import effect
from lucien.voice.data import StarsOffer as Offer

#: Telegram Stars' currency code.
STARS: Final = "XTR"
#: Telegram's limit on an invoice payload.
PAYLOAD_MAX_BYTES: Final = 128
_PAYLOAD_PREFIX: Final = "s1"
NONCE_CHARS: Final = 16

KIND_NEW: Final = "new"
KIND_RENEWAL: Final = "renewal"


class Refusal(enum.StrEnum):
    """Why an invoice is not sent, or a checkout is refused (the voice explains each)."""

    WITHDRAWN = "withdrawn"  # the plan is no longer sold in the bot
    CHANGED = "changed"  # its price (or days) changed since the invoice
    BLOCKED = "blocked"  # the custodians blocked this person
    NOT_YOURS = "not_yours"  # the invoice was made for someone else
    INVALID = "invalid"  # not an invoice of Lucien's


class PaymentOutcome(enum.StrEnum):
    NEW = "new"  # a new period: the ritual begins
    EXTENDED = "extended"  # the active period now ends later
    DUPLICATE = "duplicate"  # this charge was recorded before: nothing granted
    UNMATCHED = "unmatched"  # recorded, but its payload names nothing Lucien can grant


@dataclass(frozen=True)
class InvoicePayload:
    """What an invoice's payload carries (≤ 128 bytes, as Telegram requires)."""

    plan_id: int
    user_id: int
    days: int
    nonce: str

    def encode(self) -> str:
        text = f"{_PAYLOAD_PREFIX}:{self.plan_id}:{self.user_id}:{self.days}:{self.nonce}"
        assert len(text.encode()) <= PAYLOAD_MAX_BYTES
        return text

    @classmethod
    def decode(cls, text: str) -> InvoicePayload | None:
        parts = text.split(":")
        if len(parts) != 5 or parts[0] != _PAYLOAD_PREFIX:
            return None
        try:
            plan_id, user_id, days = int(parts[1]), int(parts[2]), int(parts[3])
        except ValueError:
            return None
        return cls(plan_id, user_id, days, parts[4])


@dataclass(frozen=True)
class InvoiceSpec:
    """Everything ``sendInvoice`` needs besides the words."""

    offer: Offer
    payload: str


@dataclass(frozen=True)
class PaymentRecord:
    """The result of :func:`record_payment` (journaled: a redelivery gets it back)."""

    outcome: PaymentOutcome
    payment_id: int | None = None
    subscription_id: int | None = None
    ends_at: datetime | None = None
    previous_end: datetime | None = None
    plan_name: str | None = None
    days: int | None = None
    stars: int | None = None
    ritual_stage: int | None = None


def nonce_for(seed: str) -> str:
    """A short nonce derived from what made the invoice (the button press's id)."""
    return hashlib.blake2b(seed.encode(), digest_size=NONCE_CHARS // 2).hexdigest()


def _on_sale(plan: Plan | None) -> bool:
    return plan is not None and plan.active and bool(plan.price_stars)


def offer_of(plan: Plan) -> Offer:
    assert plan.price_stars is not None
    return Offer(plan.id, plan.name, plan.days, plan.price_stars)


async def plans_on_sale(session: AsyncSession) -> list[Offer]:
    """Active plans with a price in Stars, shortest first (what the pay buttons offer)."""
    rows = await session.execute(
        select(Plan)
        .where(Plan.active.is_(True), Plan.price_stars.is_not(None), Plan.price_stars > 0)
        .order_by(Plan.days, Plan.name)
    )
    return [offer_of(plan) for plan in rows.scalars()]


async def offer_for_plan(session: AsyncSession, plan_id: int | None) -> Offer | None:
    """The plan's offer if it is on sale now (e.g. for a reminder's pay button)."""
    plan = await session.get(Plan, plan_id) if plan_id is not None else None
    return offer_of(plan) if plan is not None and _on_sale(plan) else None


async def _is_blocked(session: AsyncSession, user_id: int) -> bool:
    blocked = await session.scalar(select(User.is_blocked).where(User.id == user_id))
    return bool(blocked)


async def prepare_invoice(
    session: AsyncSession, user_id: int, plan_id: int, seed: str
) -> InvoiceSpec | Refusal:
    """The invoice for ``plan_id`` to ``user_id``, or why none is sent."""
    if await _is_blocked(session, user_id):
        return Refusal.BLOCKED
    plan = await session.get(Plan, plan_id)
    if plan is None or not _on_sale(plan):
        return Refusal.WITHDRAWN
    offer = offer_of(plan)
    payload = InvoicePayload(plan.id, user_id, plan.days, nonce_for(seed)).encode()
    return InvoiceSpec(offer, payload)


async def check_checkout(
    session: AsyncSession, *, payer_id: int, payload: str, currency: str, total_amount: int
) -> Refusal | None:
    """``None`` when the checkout may go ahead; otherwise the reason to refuse it."""
    parsed = InvoicePayload.decode(payload)
    if parsed is None:
        return Refusal.INVALID
    if parsed.user_id != payer_id:
        return Refusal.NOT_YOURS
    if await _is_blocked(session, payer_id):
        return Refusal.BLOCKED
    plan = await session.get(Plan, parsed.plan_id)
    if plan is None or not _on_sale(plan):
        return Refusal.WITHDRAWN
    if currency != STARS or total_amount != plan.price_stars or plan.days != parsed.days:
        return Refusal.CHANGED
    return None


@effect("payment.record")
async def record_payment(
    session: AsyncSession,
    *,
    payer_id: int,
    payload: str,
    currency: str,
    total_amount: int,
    charge_id: str,
    provider_charge_id: str | None = None,
    now: datetime | None = None,
) -> PaymentRecord:
    """Record a completed payment exactly once per charge id, granting its period.

    Never refuses: the Stars are already charged. The days granted are those the invoice
    promised (in its payload); a payload Lucien cannot read grants nothing but is still
    recorded, for the custodians to settle (refund) from the panel.
    """
    now = now or utcnow()
    await lock_user(session, payer_id)
    parsed = InvoicePayload.decode(payload)
    plan = await session.get(Plan, parsed.plan_id) if parsed is not None else None
    days = parsed.days if parsed is not None else 0
    plan_name = plan.name if plan is not None else "—"
    payment_id = (
        await session.execute(
            insert_ignore(
                session,
                Payment,
                {
                    "charge_id": charge_id,
                    "provider_charge_id": provider_charge_id or None,
                    "user_id": payer_id,
                    "plan_id": plan.id if plan is not None else None,
                    "plan_name": plan_name[:64],
                    "days": days,
                    "stars": total_amount,
                    "payload": payload[:PAYLOAD_MAX_BYTES],
                    "kind": KIND_NEW,
                    "paid_at": now,
                },
                ["charge_id"],
            ).returning(Payment.id)
        )
    ).scalar_one_or_none()
    if payment_id is None:
        return PaymentRecord(PaymentOutcome.DUPLICATE, stars=total_amount)
    if days <= 0:
        await audit.record(
            session,
            "payment.unmatched",
            actor_id=payer_id,
            target_type="payment",
            target_id=payment_id,
            after={"stars": total_amount, "charge_id": charge_id, "payload": payload},
            at=now,
        )
        return PaymentRecord(PaymentOutcome.UNMATCHED, payment_id, stars=total_amount)
    granted = await grant_period(
        session,
        payer_id,
        Grant(plan.id if plan is not None else None, plan_name, days),
        now,
        action="payment.received",
        target_type="payment",
        target_id=payment_id,
        details={"stars": total_amount, "currency": currency, "charge_id": charge_id},
    )
    kind = KIND_NEW if granted.outcome is Outcome.NEW else KIND_RENEWAL
    await session.execute(
        update(Payment)
        .where(Payment.id == payment_id)
        .values(subscription_id=granted.subscription_id, kind=kind)
    )
    return PaymentRecord(
        PaymentOutcome.NEW if granted.outcome is Outcome.NEW else PaymentOutcome.EXTENDED,
        payment_id,
        granted.subscription_id,
        granted.ends_at,
        granted.previous_end,
        plan_name,
        days,
        total_amount,
        granted.ritual_stage,
    )
