"""Paying with Telegram Stars: the pay button, the checkout question, the payment itself.

Consulted first (before the ritual and the admin panel): a ``successful_payment`` message
must never be taken for a wizard's answer or fall to the fallback's "no le entiendo", and
these three handlers match nothing else. The context middleware lets payment updates of
a blocked person through (see ``lucien.bot.middlewares.context``): their checkout must be
refused in words, and Stars already charged must still be recorded.

Retry-safety (issue 8's model): the invoice's payload is derived from the button press, so
a redelivered press sends the same invoice, which the Telegram journal recognises as sent;
the payment is a journaled effect, so a redelivered ``successful_payment`` replays the
first attempt's result and only sends what the person has not seen; a repeated update
(another update id, same charge) finds the charge recorded and grants nothing.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery

from lucien.access import payments
from lucien.access.payments import PaymentOutcome, Refusal
from lucien.bot.filters import PRIVATE_MESSAGE, InLoop
from lucien.bot.ui import answer, reply
from lucien.callbacks import PayCB
from lucien.db.models import User
from lucien.ops import alerts
from lucien.runtime import Runtime
from lucien.telegram.errors import callback_query_expired
from lucien.voice import Voice

log = logging.getLogger(__name__)


async def on_pay(
    query: CallbackQuery, callback_data: PayCB, runtime: Runtime, user: User, voice: Voice
) -> None:
    async with runtime.sessions() as session:
        spec = await payments.prepare_invoice(session, user.id, callback_data.plan, seed=query.id)
    if isinstance(spec, Refusal):
        await answer(query, voice.payments.not_on_sale())
        return
    offer = spec.offer
    await answer(query, voice.payments.invoice_sent())
    await runtime.bot.send_invoice(
        chat_id=user.id,
        title=voice.payments.invoice_title(plan_name=offer.name).text,
        description=voice.payments.invoice_description(plan_name=offer.name, days=offer.days).text,
        payload=spec.payload,
        currency=payments.STARS,
        prices=[
            LabeledPrice(
                label=voice.payments.invoice_label(days=offer.days).text, amount=offer.stars
            )
        ],
    )


async def on_pre_checkout(query: PreCheckoutQuery, runtime: Runtime, voice: Voice) -> None:
    """Answered within Telegram's 10 s: one read transaction, then the answer."""
    async with runtime.sessions() as session:
        why = await payments.check_checkout(
            session,
            payer_id=query.from_user.id,
            payload=query.invoice_payload,
            currency=query.currency,
            total_amount=query.total_amount,
        )
    try:
        if why is None:
            await query.answer(ok=True)
        else:
            log.info("checkout %s refused: %s", query.id, why.value)
            await query.answer(
                ok=False, error_message=voice.payments.checkout_refused(why=why).text
            )
    except TelegramBadRequest as exc:
        if not callback_query_expired(exc):
            raise
        # Too late (a redelivery): Telegram has already cancelled this checkout.
        log.info("checkout %s expired before it was answered", query.id)


async def on_paid(message: Message, runtime: Runtime, user: User, voice: Voice) -> None:
    paid = message.successful_payment
    assert paid is not None
    async with runtime.sessions.begin() as session:
        record = await payments.record_payment(
            session,
            payer_id=user.id,
            payload=paid.invoice_payload,
            currency=paid.currency,
            total_amount=paid.total_amount,
            charge_id=paid.telegram_payment_charge_id,
            provider_charge_id=paid.provider_payment_charge_id,
        )
    name, stars = user.first_name, record.stars or 0
    plan_name, days = record.plan_name or "—", record.days or 0  # set on NEW and EXTENDED
    match record.outcome:
        case PaymentOutcome.NEW:
            assert record.subscription_id is not None and record.ends_at is not None
            received = voice.payments.received(
                name=name, plan_name=plan_name, days=days, stars=stars
            )
            first = voice.ritual.stage1(
                name=name,
                plan_name=plan_name,
                ends_at=record.ends_at,
                days=days,
                sub_id=record.subscription_id,
            )
            await reply(message, [received, first])
        case PaymentOutcome.EXTENDED:
            assert record.ends_at is not None
            renewed = voice.payments.renewed(
                name=name, plan_name=plan_name, added_days=days, ends_at=record.ends_at, stars=stars
            )
            await reply(message, renewed)
        case PaymentOutcome.UNMATCHED:
            await reply(message, voice.payments.unmatched(name=name, stars=stars))
            # The member was promised that the custodians would write: they must know.
            # Once per charge (a redelivery's alert is held back by its signature).
            await alerts.raise_alert(
                runtime,
                "payment_unmatched",
                f"payment:{paid.telegram_payment_charge_id}",
                name=name,
                stars=stars,
            )
        case PaymentOutcome.DUPLICATE:
            log.info("charge %s already recorded; nothing granted", paid.telegram_payment_charge_id)


def build() -> Router:
    router = Router(name="payments")
    router.callback_query.register(on_pay, PayCB.filter())
    router.pre_checkout_query.register(on_pre_checkout)
    router.message.register(on_paid, InLoop(F.successful_payment), PRIVATE_MESSAGE)
    return router
