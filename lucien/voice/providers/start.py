"""/start: greetings by time of day and role, and the answers to an invitation link."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from lucien.voice.data import Role
from lucien.voice.markup import b, esc, tme
from lucien.voice.markup import name as person
from lucien.voice.message import Message, keyboard, url_button
from lucien.voice.providers.base import Provider
from lucien.voice.providers.keyboards import vip_menu

_OPENING: dict[str, tuple[str | tuple[float, str], ...]] = {
    "early": (
        "Buenos días, {name}.",
        "Buenos días, {name}… la mañana le sienta bien.",
        (0.6, "Qué grato verle tan temprano, {name}. Buenos días."),
    ),
    "morning": (
        "Buenos días, {name}.",
        "Buenos días, {name}… la mañana le sienta bien.",
        (0.6, "Ah, {name}… buenos días."),
    ),
    "afternoon": (
        "Buenas tardes, {name}.",
        "Buenas tardes, {name}. Llega usted a buena hora.",
        (0.6, "Ah, {name}… buenas tardes."),
    ),
    "evening": (
        "Buenas noches, {name}.",
        "Buenas noches, {name}. La casa se recoge, pero para usted sigue abierta.",
        (0.6, "Ah, {name}… buenas noches."),
    ),
    "night": (
        "Buenas noches, {name}.",
        "Buenas noches, {name}. Las horas tardías guardan los mejores secretos.",
        (0.6, "{name}… buenas noches. Diana suele decir que la noche es más sincera."),
    ),
}

_ROLE_LINE: dict[str, tuple[str | tuple[float, str], ...]] = {
    "admin": (
        "Es un honor recibirle. La custodia de la casa está dispuesta para su revisión.",
        "El panel de custodia le espera, en orden como siempre.",
        "Diana confía la custodia a su mirada. Esto es lo que tenemos hoy.",
    ),
    "vip": (
        "Qué gusto tenerle de vuelta en el círculo 👑 El Diván le espera.",
        "Como miembro del círculo, aquí tiene lo que Diana ha dispuesto para usted.",
        "Su lugar en el círculo sigue intacto 👑 y Diana no ha estado ociosa.",
    ),
    "free": (
        "Le doy la bienvenida al jardín. Aquí es donde Diana se deja ver por primera vez.",
        "Es un placer tenerle en el jardín, visitante. Permítame mostrarle lo que está a "
        "su alcance.",
        "El jardín está abierto para usted… y quién sabe a dónde llevan sus senderos.",
    ),
}


#: Why an invitation opens nothing (besides its deadline): what happened, what to do.
ClosedBecause = Literal["used", "revoked", "plan_inactive"]
_CLOSED: dict[ClosedBecause, tuple[str, str]] = {
    "used": (
        "Esta invitación ya fue utilizada. Cada invitación abre la puerta una sola vez.",
        "Si la adquirió usted y no llegó a entrar, escriba a Diana y lo aclararemos con gusto.",
    ),
    "revoked": (
        "La casa de Diana retiró esta invitación y ya no abre ninguna puerta.",
        "Si cree que se trata de un malentendido, escriba a Diana.",
    ),
    "plan_inactive": (
        "El plan al que pertenece esta invitación ya no está disponible.",
        "Diana sabrá ofrecerle una alternativa; escríbale cuando guste.",
    ),
}


class StartProvider(Provider):
    area = "start"

    def greeting_line(self, *, name: str, role: Role, at: datetime | None = None) -> str:
        """The greeting as HTML lines (used at the top of every menu)."""
        period = self.period(at)
        opening = self.say(f"greeting.{period}", _OPENING[period], name=b(person(name)))
        role_key = role if role in _ROLE_LINE else "free"
        return f"{opening}\n{self.pick(f'role.{role_key}', _ROLE_LINE[role_key])}"

    # -- invitation redemption (/start <token>) ---------------------------------------

    def _closed_door(self, name: str, *parts: str, creator_username: str | None) -> Message:
        """An invitation that opens nothing: what happened and what to do, a way to write to
        Diana (when her username is known) and the way back to the menu."""
        url = tme(creator_username)
        contact = [url_button("💬 Escribir a Diana", url)] if url else []
        return self.message(name, *parts, keyboard=keyboard(contact, [self.home_button()]))

    def invitation_unknown(self) -> Message:
        """The payload is not an invitation Diana issued (the Free menu follows)."""
        return self.message(
            "invitation_unknown",
            "Esta invitación no es válida… no figura entre las que Diana ha emitido.",
            "Compruebe que el enlace esté completo. Mientras tanto, el jardín sigue abierto "
            "para usted.",
        )

    def invitation_closed(
        self, *, why: ClosedBecause, creator_username: str | None = None
    ) -> Message:
        """An invitation used, revoked or of a plan no longer offered (``invitation_<why>``)."""
        return self._closed_door(
            f"invitation_{why}", *_CLOSED[why], creator_username=creator_username
        )

    def invitation_expired(
        self, *, redeem_by: datetime, creator_username: str | None = None
    ) -> Message:
        return self._closed_door(
            "invitation_expired",
            f"Esta invitación caducó el {b(self.when(redeem_by))}… "
            "las puertas no esperan para siempre.",
            "Si aún desea entrar al círculo, Diana puede enviarle una nueva.",
            creator_username=creator_username,
        )

    def invitation_rate_limited(self, *, retry_minutes: int) -> Message:
        return self.message(
            "invitation_rate_limited",
            "Han sido demasiados intentos con invitaciones en poco tiempo…",
            f"Permítame un respiro: vuelva a intentarlo dentro de {b(str(max(1, retry_minutes)))}"
            f" {'minuto' if retry_minutes == 1 else 'minutos'}.",
        )

    def invitation_extended(
        self,
        *,
        name: str,
        plan_name: str,
        added_days: int,
        ends_at: datetime,
        days_left: int | None = None,
    ) -> Message:
        """An active member redeemed another invitation: the period was extended."""
        left = self.days_left(ends_at) if days_left is None else days_left
        opening = self.say(
            "invitation_extended",
            (
                "{name}, su estancia en el círculo se prolonga 👑",
                "Excelente noticia, {name}: Diana le concede más tiempo en el Diván 👑",
            ),
            name=b(person(name)),
        )
        return self.message(
            "invitation_extended",
            opening,
            f"Plan: {b(esc(plan_name, 64))} · {added_days} días más.\n"
            f"Nueva fecha de término: {b(self.when(ends_at))}\n"
            f"Le quedan {b(str(left))} {'día' if left == 1 else 'días'}.",
            keyboard=vip_menu(),
        )
