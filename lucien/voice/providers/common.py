"""Common messages: stale buttons, refusals, failures, limits, /help, /cancel, blocked."""

from __future__ import annotations

from typing import Literal

from lucien.voice.data import Role
from lucien.voice.message import Alert, Message, keyboard
from lucien.voice.providers.base import Provider

NotFound = Literal[
    "user", "package", "plan", "subscription", "invitation", "interest", "request", "other"
]

_NOT_FOUND: dict[str, str] = {
    "user": "No encuentro a esa persona entre quienes han pasado por aquí.",
    "package": "Ese contenido ya no figura en el catálogo de Diana.",
    "plan": "Ese plan ya no figura entre los de Diana.",
    "subscription": "No encuentro esa membresía; quizá ya concluyó.",
    "invitation": "No encuentro esa invitación entre las emitidas.",
    "interest": "Ese interés ya no figura en mis notas.",
    "request": "Esa solicitud ya no está pendiente.",
    "other": "Eso que busca ya no está donde lo dejamos.",
}

_FAILURE = (
    "Ha surgido un inconveniente y no he podido completar lo que me pidió… "
    "Le ruego que lo intente de nuevo en un momento.",
    "Un imprevisto me ha detenido a medio camino. Nada se ha perdido: "
    "inténtelo otra vez en unos instantes, por favor.",
    (
        0.5,
        "Disculpe… algo no ha salido como Diana lo habría querido. "
        "Permítame un momento y vuelva a intentarlo.",
    ),
)

_CANCELLED = (
    "Como usted prefiera. Lo dejamos aquí; nada de lo que estaba a medias se ha guardado.",
    "Entendido, lo dejamos estar. Cuando quiera retomarlo, aquí estaré.",
    "Queda cancelado. A veces una pausa es la mejor decisión…",
)

_COMMANDS: dict[str, str] = {
    "start": "Abrir su menú",
    "menu": "Volver al menú",
    "help": "Cómo moverse por aquí",
    "cancel": "Abandonar lo que esté en curso",
    "admin": "Panel de custodia",
}


class CommonProvider(Provider):
    area = "common"

    def stale(self) -> Alert:
        """Answer to an unknown, forged or outdated button."""
        return self.alert("stale", "🎩 Esta opción ya no está disponible… le muestro lo vigente.")

    def stale_message(self) -> Message:
        """The same, as a message, when there is nothing to edit."""
        return self.message(
            "stale_message",
            "Esta opción ya no está disponible. Las puertas de esta casa cambian de lugar "
            "de vez en cuando…",
            "Permítame llevarle de vuelta a su menú.",
            keyboard=keyboard([self.home_button()]),
        )

    def not_authorized(self) -> Alert:
        return self.alert(
            "not_authorized", "🎩 Esta estancia está reservada a los custodios de Diana.", True
        )

    def not_authorized_message(self) -> Message:
        return self.message(
            "not_authorized_message",
            "Me temo que esta estancia está reservada a los custodios de Diana.",
            "Si cree que debería tener acceso, Diana sabrá decirle.",
            keyboard=keyboard([self.home_button()]),
        )

    def vip_only(self) -> Alert:
        """A VIP screen asked by someone who is no longer (or not yet) in the circle."""
        return self.alert(
            "vip_only", "🎩 Esta estancia es del círculo de Diana. Le llevo a su menú.", True
        )

    def failure(self) -> Message:
        """Generic failure ("inconveniente"), never a technical detail."""
        return self.message(
            "failure",
            self.pick("failure", _FAILURE),
            keyboard=keyboard([self.home_button()]),
        )

    def failure_alert(self) -> Alert:
        return self.alert(
            "failure_alert", "🎩 Ha surgido un inconveniente. Inténtelo de nuevo en un momento."
        )

    def blocked_notice(self) -> Message:
        """Sent once to a blocked user; later updates are ignored."""
        return self.message(
            "blocked",
            "Diana ha decidido cerrar esta puerta para usted. "
            "No recibiré más mensajes suyos por aquí.",
        )

    def help(self, role: Role) -> Message:
        lines = [
            "Permítame orientarle:",
            "• /start o /menu — su menú, siempre a mano.\n"
            "• /cancel — abandona lo que esté en curso.\n"
            "• /help — este recordatorio.",
        ]
        if role == "admin":
            lines.append(
                "Para la custodia de la casa, /admin abre el panel: observaciones, "
                "invitaciones, el jardín, el catálogo, los intereses, las personas y la "
                "calibración."
            )
        elif role == "vip":
            lines.append(
                "Desde su menú del círculo verá el contenido del Diván, el estado de su "
                "membresía y cómo renovarla."
            )
        else:
            lines.append(
                "Desde su menú verá el contenido del jardín, lo que ofrece el círculo de "
                "Diana y dónde más encontrarla."
            )
        lines.append("Los botones bajo cada mensaje le llevan a donde necesite ir.")
        return self.message("help", *lines, keyboard=keyboard([self.home_button()]))

    def commands(self, role: Role) -> list[tuple[str, str]]:
        """``(command, description)`` pairs for ``setMyCommands`` in this role's scope."""
        names = ["start", "menu", "help", "cancel"]
        if role == "admin":
            names.insert(1, "admin")
        return [(n, _COMMANDS[n]) for n in names]

    def cancelled(self) -> Message:
        """``/cancel`` or the Cancel button while a wizard was open."""
        return self.message(
            "cancelled",
            self.pick("cancelled", _CANCELLED),
            keyboard=keyboard([self.home_button()]),
        )

    def nothing_to_cancel(self) -> Message:
        return self.message(
            "nothing_to_cancel",
            "No había nada en curso que cancelar… todo sigue en su sitio.",
            keyboard=keyboard([self.home_button()]),
        )

    def unknown_input(self) -> Message:
        """Free text outside any wizard."""
        text = self.pick(
            "unknown_input",
            (
                "Tomo nota… aunque me temo que no sé qué hacer con eso. "
                "Los botones de su menú le llevarán a donde desee.",
                "Le escucho, pero aquí las puertas se abren con los botones. "
                "Permítame mostrarle su menú.",
            ),
        )
        return self.message("unknown_input", text, keyboard=keyboard([self.home_button()]))

    def not_found(self, what: NotFound = "other") -> Message:
        return self.message(
            "not_found",
            _NOT_FOUND.get(what, _NOT_FOUND["other"]),
            keyboard=keyboard([self.home_button()]),
        )

    def not_found_alert(self, what: NotFound = "other") -> Alert:
        return self.alert("not_found_alert", "🎩 " + _NOT_FOUND.get(what, _NOT_FOUND["other"]))

    def saved(self) -> Alert:
        """A short confirmation after a button did its work."""
        text = self.pick("saved", ("🎩 Anotado.", "🎩 Hecho, tal como lo pidió.", "🎩 Listo."))
        return self.alert("saved", text)

    def working(self) -> Alert:
        return self.alert("working", "🎩 Un momento, me ocupo de ello…")

    def unchanged(self) -> Alert:
        return self.alert("unchanged", "🎩 Todo seguía igual; no había nada que cambiar.")
