"""Reminders before a membership ends (default 72 h and 24 h), with how to renew."""

from __future__ import annotations

from datetime import datetime

from lucien.callbacks import VipAction, VipCB
from lucien.voice.data import StarsOffer
from lucien.voice.dates import duration
from lucien.voice.markup import b, esc, tme
from lucien.voice.markup import name as person
from lucien.voice.message import Message, button, keyboard, url_button
from lucien.voice.providers.base import Provider
from lucien.voice.providers.payments import pay_buttons

_FAR = (
    "{name}, le escribo con tiempo: su estancia en el Diván concluye en {left}.",
    "Un aviso discreto, {name}: a su membresía le quedan {left}.",
    (0.7, "{name}… el reloj del Diván avanza. Le quedan {left} en el círculo."),
)
_NEAR = (
    "{name}, su membresía concluye en {left}. No quisiera que la puerta se cerrara sin avisarle.",
    "Queda poco, {name}: en {left} su lugar en el Diván quedará libre.",
)


class RemindersProvider(Provider):
    area = "reminders"

    def before_end(
        self,
        *,
        name: str,
        ends_at: datetime,
        plan_name: str | None = None,
        creator_username: str | None = None,
        offer: StarsOffer | None = None,
    ) -> Message:
        """Sent once per offset per period; says when it ends and how to renew (with a pay
        button when the member's plan is sold for Stars: ``offer``)."""
        minutes = max(0.0, (ends_at - self.now()).total_seconds() / 60)
        left = b(duration(minutes))
        near = minutes <= 36 * 60
        opening = self.say(
            "near" if near else "far", _NEAR if near else _FAR, name=b(person(name)), left=left
        )
        url = tme(creator_username)
        plan = f" ({esc(plan_name, 64)})" if plan_name else ""
        return self.message(
            "before_end",
            opening,
            f"Fecha de término{plan}: {b(self.when(ends_at))}.",
            "Si renueva antes, el tiempo nuevo se suma a esa fecha: no pierde un solo día.",
            keyboard=keyboard(
                *pay_buttons([offer] if offer is not None else []),
                [button("🔁 Renovar mi lugar", VipCB(action=VipAction.RENEW))],
                [url_button("💬 Escribir a Diana", url)] if url else None,
            ),
        )
