"""The VIP entry ritual: confirmation, expectations, access (personal link)."""

from __future__ import annotations

from datetime import datetime

from lucien.callbacks import RitualCB, VipAction, VipCB
from lucien.voice.markup import b, code, esc, safe_url
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, button, keyboard, url_button
from lucien.voice.providers.base import Provider

_RESUME = (
    "Retomemos donde lo dejamos…",
    "Le esperaba. Sigamos justo donde nos quedamos…",
)

_STAGE1 = (
    "{name}… su invitación es buena. Diana le abre las puertas del <b>Diván</b> 👑",
    "Qué alegría recibirle, {name}. La invitación es auténtica y Diana ya sabe que viene 👑",
    (0.7, "{name}, la llave gira… su invitación era buena. El <b>Diván</b> le espera 👑"),
)

_STAGE2 = (
    "El Diván es el espacio íntimo de Diana. Quienes entran aceptan tres cosas sencillas:",
    "Antes de cruzar, un acuerdo entre caballeros… o entre almas discretas:",
)

_STAGE3 = (
    "Todo está dispuesto. Este es su enlace personal al Diván:",
    "La puerta está abierta, solo para usted. Su enlace personal:",
)


class RitualProvider(Provider):
    area = "ritual"

    def _resume(self, resumed: bool) -> str | None:
        return self.pick("resume", _RESUME) if resumed else None

    def stage1(
        self,
        *,
        name: str,
        plan_name: str,
        ends_at: datetime,
        days: int,
        sub_id: int = 0,
        resumed: bool = False,
    ) -> Message:
        """Stage 1: what just happened; button "Continuar"."""
        return self.message(
            "stage1",
            self._resume(resumed),
            self.say("stage1", _STAGE1, name=b(person(name))),
            f"Plan: {b(esc(plan_name, 64))} · {days} {'día' if days == 1 else 'días'}\n"
            f"Su acceso se extiende hasta el {b(self.when(ends_at))}.",
            "Antes de entrar, permítame unos instantes para prepararle.",
            keyboard=keyboard([button("Continuar ›", RitualCB(stage=1, sub=sub_id))]),
        )

    def stage2(self, *, sub_id: int = 0, resumed: bool = False) -> Message:
        """Stage 2: discretion and respect; button "Acepto"."""
        return self.message(
            "stage2",
            self._resume(resumed),
            self.pick("stage2", _STAGE2),
            "• <b>Discreción</b>: lo que se comparte en el Diván, se queda en el Diván.\n"
            "• <b>Respeto</b>: hacia Diana y hacia las demás almas del círculo.\n"
            "• <b>Paciencia</b>: Diana comparte a su ritmo… y vale la pena esperarla.",
            "Cuando esté de acuerdo, dígamelo.",
            keyboard=keyboard([button("Acepto ›", RitualCB(stage=2, sub=sub_id))]),
        )

    def stage3(
        self, *, link: str, expires_at: datetime, sub_id: int = 0, resumed: bool = False
    ) -> Message:
        """Stage 3: the personal invite link (single use, 24 h) and the VIP menu button."""
        url = safe_url(link)
        return self.message(
            "stage3",
            self._resume(resumed),
            self.pick("stage3", _STAGE3),
            code(link, 255),
            f"Es solo para usted: sirve una única vez y caduca el {b(self.when(expires_at))}. "
            "Cuando entre, lo retiraré para que nadie más pueda usarlo.",
            keyboard=keyboard(
                [url_button("🚪 Entrar al Diván", url)] if url else None,
                [button("👑 Mi menú del círculo", VipCB(action=VipAction.MENU))],
            ),
        )

    def link_unavailable(self, *, sub_id: int = 0) -> Message:
        """Stage 3 could not produce a link (channel not ready): offer to try again."""
        return self.message(
            "link_unavailable",
            "Su lugar está reservado, pero la puerta aún no se abre… "
            "Diana termina de disponer el Diván.",
            "Vuelva a intentarlo en unos minutos.",
            keyboard=keyboard(
                [button("🔁 Intentar de nuevo", RitualCB(stage=3, sub=sub_id))],
                [button("👑 Mi menú del círculo", VipCB(action=VipAction.MENU))],
            ),
        )

    def stale(self) -> Alert:
        """An old ritual button: the current stage is shown again."""
        return self.alert("stale", "🎩 Ese paso ya quedó atrás. Le muestro dónde nos quedamos.")

    def joined(self, *, name: str) -> Message:
        """Sent when the member has entered the VIP channel."""
        return self.message(
            "joined",
            self.say(
                "joined",
                (
                    "Ya está dentro, {name}. Diana lo ha notado 🌙",
                    "{name}, ya forma parte del Diván. Es un gusto tenerle aquí.",
                ),
                name=b(person(name)),
            ),
            "He retirado su enlace personal: cumplió su propósito.",
            keyboard=keyboard([button("👑 Mi menú del círculo", VipCB(action=VipAction.MENU))]),
        )
