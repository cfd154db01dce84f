"""Telegram Stars in the double: invoices, checkout, payment, refunds and the bot's ledger.

The Bot API side (``sendInvoice``, ``createInvoiceLink``, ``answerPreCheckoutQuery``,
``refundStarPayment``, ``getStarTransactions``) is registered in the method table like any
other method, and validates parameters the way Telegram does for Stars (currency ``XTR``,
exactly one price, no payment provider). The person's side — pressing "Pay" — is
:class:`PaymentsMixin`, mixed into :class:`~lucien.telegram.double.server.TelegramDouble`:

* :meth:`PaymentsMixin.checkout` opens a ``pre_checkout_query`` for an invoice and returns
  the update Telegram would post;
* :meth:`PaymentsMixin.complete_checkout` charges the Stars if (and only if) the bot
  answered that query ``ok`` within its life, and returns the ``successful_payment``
  message update;
* :meth:`PaymentsMixin.pay` walks both steps through a ``deliver`` callable (the webhook),
  which is what tests and the sandbox use.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from lucien.telegram.double import errors
from lucien.telegram.double.errors import bad_request
from lucien.telegram.double.methods import (
    Params,
    _bool,
    _int,
    _opt_int,
    _opt_str,
    _require,
    _send,
    _target_chat,
    method,
)
from lucien.telegram.double.objects import JSON, TgUser
from lucien.telegram.double.stars import (
    CHECKOUT_LIFETIME,
    SUBSCRIPTION_PERIOD,
    Charge,
    Checkout,
    Invoice,
    StarsState,
)

if TYPE_CHECKING:
    from lucien.telegram.double.state import DoubleState
    from lucien.telegram.double.updates import UpdateFactory

STARS: Final = "XTR"
MAX_TITLE: Final = 32
MAX_DESCRIPTION: Final = 255
MAX_PAYLOAD_BYTES: Final = 128
#: The largest Stars amount one invoice may ask for.
MAX_STARS: Final = 10000

CHARGE_NOT_FOUND: Final = "Bad Request: CHARGE_NOT_FOUND"
CHARGE_ALREADY_REFUNDED: Final = "Bad Request: CHARGE_ALREADY_REFUNDED"
PAYLOAD_INVALID: Final = "Bad Request: INVOICE_PAYLOAD_INVALID"
STARS_INVOICE_INVALID: Final = "Bad Request: STARS_INVOICE_INVALID"
CURRENCY_INVALID: Final = "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"
PROVIDER_INVALID: Final = "Bad Request: PAYMENT_PROVIDER_INVALID"
ERROR_MESSAGE_EMPTY: Final = "Bad Request: ERROR_MESSAGE_EMPTY"

_query_ids = itertools.count(4_000_000_001)


def stars_of(state: DoubleState) -> StarsState:
    """The double's Stars world (``reset`` empties it with the rest)."""
    return state.stars_state


# --------------------------------------------------------------------------- Bot API


def _invoice_from(params: Params) -> Invoice:
    """The invoice a ``sendInvoice``/``createInvoiceLink`` describes, checked like Telegram."""
    title = str(_require(params, "title"))
    description = str(_require(params, "description"))
    payload = str(_require(params, "payload"))
    currency = str(_require(params, "currency"))
    if len(title) > MAX_TITLE:
        raise bad_request("Bad Request: INVOICE_TITLE_INVALID")
    if len(description) > MAX_DESCRIPTION:
        raise bad_request("Bad Request: INVOICE_DESCRIPTION_INVALID")
    if not 1 <= len(payload.encode()) <= MAX_PAYLOAD_BYTES:
        raise bad_request(PAYLOAD_INVALID)
    if currency != STARS:
        # The double has no payment providers: only Stars exist in its world.
        raise bad_request(PROVIDER_INVALID)
    if params.get("provider_token") not in (None, ""):
        raise bad_request(PROVIDER_INVALID)
    prices = params.get("prices")
    if not isinstance(prices, list) or len(prices) != 1 or not isinstance(prices[0], Mapping):
        raise bad_request(STARS_INVOICE_INVALID)
    amount = prices[0].get("amount")
    if not prices[0].get("label") or isinstance(amount, bool) or not isinstance(amount, int):
        raise bad_request(STARS_INVOICE_INVALID)
    if not 1 <= amount <= MAX_STARS:
        raise bad_request(CURRENCY_INVALID)
    for unsupported in ("max_tip_amount", "suggested_tip_amounts"):
        if params.get(unsupported):
            raise bad_request(STARS_INVOICE_INVALID)
    return Invoice(title, description, payload, currency, amount)


def _check_pay_button(params: Params) -> None:
    """A custom keyboard on an invoice must start with the Pay button (Telegram's rule)."""
    markup = params.get("reply_markup")
    if not isinstance(markup, Mapping) or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    first = rows[0][0] if rows and isinstance(rows[0], list) and rows[0] else None
    if not isinstance(first, Mapping) or not first.get("pay"):
        raise bad_request("Bad Request: REPLY_MARKUP_BUY_EMPTY")


@method("sendInvoice")
def send_invoice(state: DoubleState, params: Params) -> JSON:
    chat = _target_chat(state, params)
    invoice = _invoice_from(params)
    _check_pay_button(params)
    content: JSON = {
        "invoice": {
            "title": invoice.title,
            "description": invoice.description,
            "start_parameter": str(params.get("start_parameter") or ""),
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
        }
    }
    message = _send(state, chat, params, content)
    invoice.chat_id, invoice.message_id = chat.id, int(message["message_id"])
    stars_of(state).invoices[StarsState.message_key(chat.id, invoice.message_id)] = invoice
    return message


@method("createInvoiceLink")
def create_invoice_link(state: DoubleState, params: Params) -> str:
    invoice = _invoice_from(params)
    period = _opt_int(params, "subscription_period")
    if period is not None and period != SUBSCRIPTION_PERIOD:
        raise bad_request("Bad Request: SUBSCRIPTION_PERIOD_INVALID")
    invoice.subscription_period = period
    invoice.link = f"https://t.me/${secrets.token_urlsafe(18)}"
    stars_of(state).invoices[invoice.link] = invoice
    return invoice.link


@method("answerPreCheckoutQuery")
def answer_pre_checkout_query(state: DoubleState, params: Params) -> bool:
    """Answer once, within :data:`CHECKOUT_LIFETIME` seconds; a refusal needs a reason."""
    query_id = str(_require(params, "pre_checkout_query_id"))
    if "ok" not in params:
        raise bad_request("Bad Request: ok is empty")
    ok = _bool(params, "ok")
    error_message = _opt_str(params, "error_message")
    if not ok and not error_message:
        raise bad_request(ERROR_MESSAGE_EMPTY)
    checkout = stars_of(state).checkouts.get(query_id)
    if checkout is None or checkout.answered or state.date() - checkout.date > CHECKOUT_LIFETIME:
        raise bad_request(errors.QUERY_TOO_OLD)
    checkout.ok = ok
    checkout.error_message = None if ok else error_message
    return True


@method("refundStarPayment")
def refund_star_payment(state: DoubleState, params: Params) -> bool:
    user_id = _int(params, "user_id")
    charge_id = str(_require(params, "telegram_payment_charge_id"))
    stars = stars_of(state)
    charge = stars.charges.get(charge_id)
    if charge is None or int(charge.user["id"]) != user_id:
        raise bad_request(CHARGE_NOT_FOUND)
    if charge.refunded:
        raise bad_request(CHARGE_ALREADY_REFUNDED)
    charge.refunded = True
    stars.transactions.append(
        {
            "id": charge.charge_id,
            "amount": charge.amount,
            "date": state.date(),
            "receiver": _partner(charge),
        }
    )
    return True


@method("getStarTransactions")
def get_star_transactions(state: DoubleState, params: Params) -> JSON:
    """The bot's Stars movements, newest first, paged by ``offset``/``limit`` (1–100)."""
    offset = _opt_int(params, "offset") or 0
    limit = _opt_int(params, "limit")
    limit = 100 if limit is None else limit
    if offset < 0:
        raise bad_request("Bad Request: OFFSET_INVALID")
    if not 1 <= limit <= 100:
        raise bad_request("Bad Request: LIMIT_INVALID")
    newest_first = list(reversed(stars_of(state).transactions))
    return {"transactions": newest_first[offset : offset + limit]}


def _partner(charge: Charge) -> JSON:
    """The TransactionPartnerUser a payment came from (or a refund went to)."""
    return {
        "type": "user",
        "transaction_type": "invoice_payment",
        "user": dict(charge.user),
        "invoice_payload": charge.payload,
    }


# --------------------------------------------------------------------------- the payer's side


@dataclass
class PaymentResult:
    """What happened when a person tried to pay an invoice."""

    checkout: Checkout
    #: The ``successful_payment`` update, or ``None`` if the bot refused or never answered.
    update: JSON | None = None
    charge_id: str | None = None

    @property
    def paid(self) -> bool:
        return self.charge_id is not None


Deliver = Callable[[JSON], Awaitable[Any]]


class PaymentsMixin:
    """The person's side of paying with Stars; needs a ``DoubleState`` with ``updates``."""

    updates: UpdateFactory

    @property
    def stars(self) -> StarsState:
        return stars_of(self)  # type: ignore[arg-type]

    def find_invoice(self, invoice: Mapping[str, Any] | str) -> Invoice:
        """The invoice behind a sent message (as in ``sent_messages``) or an invoice link."""
        if isinstance(invoice, str):
            key = invoice
        else:
            key = StarsState.message_key(int(invoice["chat"]["id"]), int(invoice["message_id"]))
        found = self.stars.invoices.get(key)
        if found is None:
            raise KeyError(f"the double issued no invoice {key!r}")
        return found

    def checkout(self, user: TgUser | Mapping[str, Any], invoice: Mapping[str, Any] | str) -> JSON:
        """The person pressed "Pay": open a checkout and return its ``pre_checkout_query``."""
        found = self.find_invoice(invoice)
        query_id = str(next(_query_ids))
        update = self.updates.pre_checkout_query(
            user, query_id, found.payload, found.total_amount, currency=found.currency
        )
        payer = update["pre_checkout_query"]["from"]
        state: DoubleState = self  # type: ignore[assignment]
        self.stars.checkouts[query_id] = Checkout(query_id, payer, found, state.date())
        return update

    def complete_checkout(self, query_id: str, *, charge_id: str | None = None) -> JSON | None:
        """Charge the Stars if the bot said ``ok`` in time; the ``successful_payment`` update.

        ``None`` when the bot refused, or has not answered (Telegram cancels the payment
        once the query's life is over), or this checkout was already charged.
        """
        checkout = self.stars.checkouts[query_id]
        if checkout.ok is not True or checkout.charge_id is not None:
            return None
        state: DoubleState = self  # type: ignore[assignment]
        invoice = checkout.invoice
        charge = Charge(
            charge_id or f"stxc{secrets.token_urlsafe(24)}",
            checkout.user,
            invoice.total_amount,
            invoice.payload,
            state.date(),
        )
        self.stars.charges[charge.charge_id] = charge
        checkout.charge_id = charge.charge_id
        self.stars.transactions.append(
            {
                "id": charge.charge_id,
                "amount": charge.amount,
                "date": charge.date,
                "source": _partner(charge),
            }
        )
        return self.updates.successful_payment(
            checkout.user,
            invoice.payload,
            invoice.total_amount,
            charge.charge_id,
            currency=invoice.currency,
            subscription_period=invoice.subscription_period,
        )

    async def pay(
        self,
        user: TgUser | Mapping[str, Any],
        invoice: Mapping[str, Any] | str,
        deliver: Deliver,
        *,
        charge_id: str | None = None,
    ) -> PaymentResult:
        """Walk Telegram's flow: ``pre_checkout_query`` → (if answered ok) the payment.

        ``deliver`` posts an update to the bot (e.g. the test harness's ``send``); the
        bot's ``answerPreCheckoutQuery`` during that delivery decides the outcome.
        """
        update = self.checkout(user, invoice)
        query_id = str(update["pre_checkout_query"]["id"])
        await deliver(update)
        paid = self.complete_checkout(query_id, charge_id=charge_id)
        result = PaymentResult(self.stars.checkouts[query_id], paid)
        if paid is not None:
            result.charge_id = str(
                paid["message"]["successful_payment"]["telegram_payment_charge_id"]
            )
            await deliver(paid)
        return result
