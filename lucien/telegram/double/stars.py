"""What the double remembers about Telegram Stars: invoices, checkouts and the bot's balance.

Kept apart from ``state.py`` so the payment world reads as one piece: an :class:`Invoice`
is what ``sendInvoice``/``createInvoiceLink`` issued; a :class:`Checkout` is one
``pre_checkout_query`` Telegram asked the bot about (answered once, within its life); a
:class:`Charge` is a completed payment (``telegram_payment_charge_id``), refundable once;
``transactions`` is what ``getStarTransactions`` lists, newest first, as Telegram does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from lucien.telegram.double.objects import JSON

#: Telegram waits this long for ``answerPreCheckoutQuery`` before cancelling the payment.
CHECKOUT_LIFETIME: Final = 10
#: The only subscription period Telegram accepts for Stars invoice links (30 days).
SUBSCRIPTION_PERIOD: Final = 2592000


@dataclass
class Invoice:
    """An invoice the bot issued, as a message in a chat or as a link."""

    title: str
    description: str
    payload: str
    currency: str
    total_amount: int
    chat_id: int | None = None
    message_id: int | None = None
    link: str | None = None
    subscription_period: int | None = None


@dataclass
class Checkout:
    """One ``pre_checkout_query``: the bot has :data:`CHECKOUT_LIFETIME` s to answer it once."""

    id: str
    user: JSON
    invoice: Invoice
    date: int
    ok: bool | None = None
    error_message: str | None = None
    #: set once the Stars are charged: a checkout pays once
    charge_id: str | None = None

    @property
    def answered(self) -> bool:
        return self.ok is not None


@dataclass
class Charge:
    """A completed Stars payment, identified by its ``telegram_payment_charge_id``."""

    charge_id: str
    user: JSON
    amount: int
    payload: str
    date: int
    refunded: bool = False


@dataclass
class StarsState:
    """The bot's Stars world (one per double; emptied by ``reset``)."""

    invoices: dict[str, Invoice] = field(default_factory=dict)
    checkouts: dict[str, Checkout] = field(default_factory=dict)
    charges: dict[str, Charge] = field(default_factory=dict)
    #: StarTransaction objects, oldest first (``getStarTransactions`` pages them).
    transactions: list[JSON] = field(default_factory=list)

    def balance(self) -> int:
        """Stars the bot holds: payments in, refunds out."""
        return sum(int(t["amount"]) * (1 if "source" in t else -1) for t in self.transactions)

    @staticmethod
    def message_key(chat_id: int, message_id: int) -> str:
        return f"{chat_id}:{message_id}"
