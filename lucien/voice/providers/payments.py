"""Paying with Telegram Stars: the pay buttons, the invoice's words, checkout refusals and
what Lucien says once the Stars arrive.

The invoice's title, description and price label, and a refused checkout's reason, are
plain text on Telegram's side (no HTML), so they are :class:`Alert` s: plain text within
200 characters (an invoice title is further cut to Telegram's 32).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Literal

from aiogram.types import InlineKeyboardButton

from lucien.callbacks import PayCB
from lucien.voice.data import StarsOffer
from lucien.voice.limits import shorten
from lucien.voice.markup import b, esc, plural
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, button, keyboard
from lucien.voice.providers.base import Provider
from lucien.voice.providers.keyboards import vip_menu

#: Telegram's limit on an invoice title.
TITLE_LIMIT: Final = 32
#: At most this many pay buttons on one screen.
MAX_PAY_BUTTONS: Final = 6

Reason = Literal["withdrawn", "changed", "blocked", "not_yours", "invalid"]

_REFUSED: Final[dict[str, str]] = {
    "withdrawn": "Diana ha retirado esta forma de entrar al círculo. No se le ha cobrado "
    "nada; vuelva al menú y verá lo que hoy se ofrece.",
    "changed": "Las condiciones de este plan cambiaron desde que le entregué la factura. "
    "No se le ha cobrado nada; pida una nueva y verá el precio vigente.",
    "blocked": "Lo lamento: los custodios han cerrado esta puerta para usted por ahora. "
    "No se le ha cobrado nada.",
    "not_yours": "Preparé esta factura para otra alma. No se le ha cobrado nada; "
    "pida la suya desde el menú.",
    "invalid": "No reconozco esta factura… No se le ha cobrado nada; pida una nueva desde el menú.",
}

_THANKS: Final = (
    "{name}, sus estrellas han llegado ⭐ Diana le abre la puerta del círculo.",
    "Recibido, {name} ⭐ El Diván le espera.",
)
_RENEWED: Final = (
    "{name}, sus estrellas han llegado ⭐ Su estancia en el Diván se prolonga 👑",
    "Gracias, {name} ⭐ Diana le concede más tiempo en el círculo 👑",
)


def pay_buttons(offers: Sequence[StarsOffer]) -> list[list[InlineKeyboardButton]]:
    """One "pay" row per plan sold for Stars (none when nothing is on sale)."""
    return [
        [
            button(
                f"⭐ {offer.name} · {offer.stars} estrellas",
                PayCB(plan=offer.plan_id),
            )
        ]
        for offer in offers[:MAX_PAY_BUTTONS]
    ]


def pay_line(offers: Sequence[StarsOffer], *, renewing: bool = False) -> str | None:
    """The sentence that introduces the pay buttons on a screen."""
    if not offers:
        return None
    if renewing:
        return (
            "O renueve aquí mismo, con estrellas de Telegram ⭐: elija su plan abajo y el "
            "tiempo se sumará a su fecha actual."
        )
    return "También puede entrar aquí mismo, con estrellas de Telegram ⭐: elija su plan abajo."


class PaymentsProvider(Provider):
    area = "payments"

    # -- the invoice (plain text) ---------------------------------------------------------

    def invoice_title(self, *, plan_name: str) -> Alert:
        """The invoice's title (Telegram: at most 32 characters)."""
        return self.alert("invoice_title", shorten(f"El Diván · {plan_name}", TITLE_LIMIT))

    def invoice_description(self, *, plan_name: str, days: int) -> Alert:
        """The invoice's description: what the Stars buy."""
        return self.alert(
            "invoice_description",
            f"{plural(days, 'día', 'días')} en el círculo íntimo de Diana "
            f"({shorten(plan_name, 64)}). Si ya es miembro, se suman a su fecha actual.",
        )

    def invoice_label(self, *, days: int) -> Alert:
        """The invoice's single price line."""
        return self.alert("invoice_label", f"{plural(days, 'día', 'días')} en el Diván")

    # -- pressing "pay" -------------------------------------------------------------------

    def invoice_sent(self) -> Alert:
        """The button's answer while the invoice appears below."""
        return self.alert("invoice_sent", "Le dejo la factura justo debajo ⭐")

    def not_on_sale(self) -> Alert:
        """The plan is no longer sold in the bot (or the person may not buy it)."""
        return self.alert(
            "not_on_sale",
            "Esa forma de entrar ya no se ofrece aquí. Vuelva al menú y verá lo vigente.",
            show_alert=True,
        )

    # -- checkout --------------------------------------------------------------------------

    def checkout_refused(self, *, why: str) -> Alert:
        """Why Lucien refused a checkout (Telegram shows it to the person; nothing charged).

        ``why``: one of :data:`Reason` (the domain's refusal codes)."""
        return self.alert("checkout_refused", f"Lucien: {_REFUSED.get(why, _REFUSED['invalid'])}")

    # -- after the payment ----------------------------------------------------------------

    def received(self, *, name: str, plan_name: str, days: int, stars: int) -> Message:
        """A new member's receipt; the ritual's first stage follows it."""
        return self.message(
            "received",
            self.say("received", _THANKS, name=b(person(name))),
            f"Plan: {b(esc(plan_name, 64))} · {plural(days, 'día', 'días')} · "
            f"{plural(stars, 'estrella', 'estrellas')}.",
        )

    def renewed(
        self, *, name: str, plan_name: str, added_days: int, ends_at: datetime, stars: int
    ) -> Message:
        """A member paid again: the extension note (the period keeps its ritual stage)."""
        return self.message(
            "renewed",
            self.say("renewed", _RENEWED, name=b(person(name))),
            f"Plan: {b(esc(plan_name, 64))} · {plural(added_days, 'día', 'días')} más · "
            f"{plural(stars, 'estrella', 'estrellas')}.\n"
            f"Nueva fecha de término: {b(self.when(ends_at))}.",
            keyboard=vip_menu(),
        )

    def unmatched(self, *, name: str, stars: int) -> Message:
        """Stars arrived for an invoice Lucien cannot match to a plan: the custodians settle it."""
        return self.message(
            "unmatched",
            f"{b(person(name))}, he recibido sus {plural(stars, 'estrella', 'estrellas')}, "
            "pero no logro reconocer el plan al que corresponden.",
            "Ya quedó anotado: los custodios lo revisarán y le escribirán. Nada se pierde.",
            keyboard=keyboard([self.home_button()]),
        )
