# ruff: noqa: F811  (``bot``/``double`` are test_double.py's fixtures, imported below)
"""Telegram Stars in the double, tested through aiogram's real client (as test_double.py).

What the product relies on: invoices are refused the way Telegram refuses them, a checkout
is answered once and within its life, a payment only happens after an ``ok``, a charge is
refundable once, and the Stars ledger lists both movements.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update

from lucien.telegram.double import TelegramDouble, TgUser
from tests.test_double import bot, double  # noqa: F401

ANA = TgUser(id=5001, first_name="Ana", username="ana")
BRUNO = TgUser(id=5002, first_name="Bruno")


def _stars(amount: int) -> list[LabeledPrice]:
    return [LabeledPrice(label="Círculo", amount=amount)]


async def _invoice(bot: Bot, amount: int = 250, payload: str = "p:1:5001:n") -> Any:
    return await bot.send_invoice(
        ANA.id, "El Diván", "Treinta días", payload, currency="XTR", prices=_stars(amount)
    )


def _answering(bot: Bot, ok: bool, error: str | None = None) -> Any:
    """A ``deliver`` that answers every pre_checkout_query like a bot would."""
    delivered: list[dict[str, Any]] = []

    async def deliver(update: dict[str, Any]) -> None:
        delivered.append(update)
        parsed = Update.model_validate(update)
        if parsed.pre_checkout_query is not None:
            await bot.answer_pre_checkout_query(
                parsed.pre_checkout_query.id, ok=ok, error_message=error
            )

    deliver.delivered = delivered  # type: ignore[attr-defined]
    return deliver


async def test_send_invoice_is_a_message_with_an_invoice(bot: Bot, double: TelegramDouble) -> None:
    sent = await _invoice(bot)
    assert sent.invoice is not None
    assert (sent.invoice.currency, sent.invoice.total_amount) == ("XTR", 250)
    assert double.last_message(ANA.id)["invoice"]["title"] == "El Diván"  # type: ignore[index]
    assert double.find_invoice(double.last_message(ANA.id) or {}).payload == "p:1:5001:n"


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"currency": "EUR"}, "PAYMENT_PROVIDER_INVALID"),
        ({"provider_token": "284685063:TEST:abc"}, "PAYMENT_PROVIDER_INVALID"),
        ({"prices": _stars(100) + _stars(100)}, "STARS_INVOICE_INVALID"),
        ({"prices": _stars(0)}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"payload": "x" * 129}, "INVOICE_PAYLOAD_INVALID"),
        ({"title": "t" * 33}, "INVOICE_TITLE_INVALID"),
        ({"max_tip_amount": 10}, "STARS_INVOICE_INVALID"),
    ],
)
async def test_invoices_are_refused_like_telegram(
    bot: Bot, double: TelegramDouble, changes: dict[str, Any], fragment: str
) -> None:
    fields: dict[str, Any] = {
        "title": "El Diván",
        "description": "Treinta días",
        "payload": "p:1",
        "currency": "XTR",
        "prices": _stars(100),
        **changes,
    }
    with pytest.raises(TelegramBadRequest, match=fragment):
        await bot.send_invoice(ANA.id, **fields)
    with pytest.raises(TelegramBadRequest, match=fragment):
        await bot.create_invoice_link(**fields)
    assert double.stars.invoices == {}


async def test_invoice_keyboard_must_start_with_pay(bot: Bot) -> None:
    wrong = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Volver", callback_data="back")]]
    )
    with pytest.raises(TelegramBadRequest, match="REPLY_MARKUP_BUY_EMPTY"):
        await bot.send_invoice(
            ANA.id, "T", "D", "p", currency="XTR", prices=_stars(5), reply_markup=wrong
        )
    right = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Pagar ⭐ 5", pay=True)],
            [InlineKeyboardButton(text="Volver", callback_data="back")],
        ]
    )
    sent = await bot.send_invoice(
        ANA.id, "T", "D", "p", currency="XTR", prices=_stars(5), reply_markup=right
    )
    assert sent.reply_markup is not None


async def test_paying_walks_checkout_then_payment(bot: Bot, double: TelegramDouble) -> None:
    sent = await _invoice(bot)
    deliver = _answering(bot, ok=True)
    result = await double.pay(ANA, double.last_message(ANA.id) or {}, deliver)
    assert result.paid and result.checkout.ok is True
    kinds = [next(k for k in u if k != "update_id") for u in deliver.delivered]
    assert kinds == ["pre_checkout_query", "message"]
    query = Update.model_validate(deliver.delivered[0]).pre_checkout_query
    assert query is not None and query.from_user.id == ANA.id
    assert (query.currency, query.total_amount, query.invoice_payload) == ("XTR", 250, "p:1:5001:n")
    message = Update.model_validate(deliver.delivered[1]).message
    assert message is not None and message.successful_payment is not None
    payment = message.successful_payment
    assert payment.telegram_payment_charge_id == result.charge_id
    assert (payment.total_amount, payment.invoice_payload) == (250, "p:1:5001:n")
    assert message.chat.id == ANA.id and message.message_id > sent.message_id
    assert double.stars.balance() == 250
    assert double.complete_checkout(result.checkout.id) is None  # a checkout pays once
    assert double.stars.balance() == 250


async def test_a_refused_checkout_charges_nothing(bot: Bot, double: TelegramDouble) -> None:
    await _invoice(bot)
    deliver = _answering(bot, ok=False, error="Ya no se ofrece")
    result = await double.pay(ANA, double.last_message(ANA.id) or {}, deliver)
    assert not result.paid and result.update is None
    assert result.checkout.error_message == "Ya no se ofrece"
    assert len(deliver.delivered) == 1 and double.stars.transactions == []


async def test_checkout_answer_rules(bot: Bot, double: TelegramDouble) -> None:
    await _invoice(bot)
    update = double.checkout(ANA, double.last_message(ANA.id) or {})
    query_id = update["pre_checkout_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="ERROR_MESSAGE_EMPTY"):
        await bot.answer_pre_checkout_query(query_id, ok=False)
    await bot.answer_pre_checkout_query(query_id, ok=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(query_id, ok=True)  # only once
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query("123", ok=True)  # unknown

    clock = [double.now()]
    double.now = lambda: clock[0]
    late = double.checkout(ANA, double.last_message(ANA.id) or {})
    clock[0] += 11
    late_id = late["pre_checkout_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(late_id, ok=True)
    assert double.complete_checkout(late_id) is None  # never answered: no payment


async def test_invoice_link_and_subscription_period(bot: Bot, double: TelegramDouble) -> None:
    link = await bot.create_invoice_link(
        "El Diván", "Treinta días", "p:2", currency="XTR", prices=_stars(99)
    )
    assert link.startswith("https://t.me/$")
    deliver = _answering(bot, ok=True)
    result = await double.pay(BRUNO, link, deliver)
    assert result.paid
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_PERIOD_INVALID"):
        await bot.create_invoice_link(
            "T", "D", "p", currency="XTR", prices=_stars(5), subscription_period=86400
        )
    monthly = await bot.create_invoice_link(
        "T", "D", "p", currency="XTR", prices=_stars(5), subscription_period=2592000
    )
    paid = await double.pay(ANA, monthly, _answering(bot, ok=True))
    assert paid.update is not None
    assert paid.update["message"]["successful_payment"]["is_recurring"] is True


async def test_refund_once_and_star_transactions(bot: Bot, double: TelegramDouble) -> None:
    await _invoice(bot, amount=300)
    result = await double.pay(ANA, double.last_message(ANA.id) or {}, _answering(bot, ok=True))
    charge = result.charge_id
    assert charge is not None
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(ANA.id, "stxc-unknown")
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(BRUNO.id, charge)  # someone else's charge
    assert await bot.refund_star_payment(ANA.id, charge) is True
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(ANA.id, charge)

    ledger = await bot.get_star_transactions()
    refund, payment = ledger.transactions
    assert refund.id == payment.id == charge and refund.amount == payment.amount == 300
    assert payment.source is not None and payment.source.user.id == ANA.id  # type: ignore[union-attr]
    assert payment.source.invoice_payload == "p:1:5001:n"  # type: ignore[union-attr]
    assert refund.receiver is not None and refund.source is None
    assert double.stars.balance() == 0
    assert len((await bot.get_star_transactions(offset=1, limit=1)).transactions) == 1
    with pytest.raises(TelegramBadRequest, match="LIMIT_INVALID"):
        await bot.get_star_transactions(limit=101)


def test_payment_updates_are_valid_standalone() -> None:
    double = TelegramDouble()
    query = double.updates.pre_checkout_query(ANA, "42", "p:1", 10)
    paid = double.updates.successful_payment(ANA, "p:1", 10, "stxc-1")
    assert Update.model_validate(query).pre_checkout_query is not None
    message = Update.model_validate(paid).message
    assert message is not None and message.successful_payment is not None
    assert double.messages(ANA.id)[-1]["successful_payment"]["telegram_payment_charge_id"] == (
        "stxc-1"
    )


def test_reset_forgets_the_stars() -> None:
    double = TelegramDouble()
    double.stars.transactions.append({"id": "x", "amount": 1, "date": 0, "source": {}})
    double.reset()
    assert double.stars.transactions == []
