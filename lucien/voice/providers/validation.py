"""Wizard validation: every refusal states the limit, and the wizard stays on its step."""

from __future__ import annotations

from typing import Literal

from lucien.callbacks import AdminSection
from lucien.voice.markup import b, code, esc
from lucien.voice.message import Message, keyboard
from lucien.voice.providers.base import Provider

Field = Literal[
    "name",
    "description",
    "price",
    "stars",
    "currency",
    "days",
    "quantity",
    "minutes",
    "url",
    "username",
    "timezone",
    "offsets",
    "channel",
    "search",
    "text",
]

FIELD: dict[str, str] = {
    "name": "el nombre",
    "description": "la descripción",
    "price": "el precio",
    "stars": "el precio en estrellas",
    "currency": "la moneda",
    "days": "el número de días",
    "quantity": "la cantidad",
    "minutes": "los minutos",
    "url": "el enlace",
    "username": "el usuario",
    "timezone": "la zona horaria",
    "offsets": "los avisos",
    "channel": "el canal",
    "search": "la búsqueda",
    "text": "el texto",
}

_INTRO = (
    "Permítame una corrección…",
    "Casi, pero no del todo…",
    "Un pequeño detalle antes de seguir…",
)


#: The values that have one form, named by their refusal: each states the form.
Form = Literal[
    "invalid_currency",
    "invalid_url",
    "invalid_invite_link",
    "invalid_username",
    "invalid_channel",
    "search_invalid",
]
_FORMS: dict[Form, str] = {
    "invalid_currency": f"La moneda se escribe con tres letras, como {code('USD')}, "
    f"{code('MXN')} o {code('EUR')}.",
    "invalid_url": f"El enlace debe empezar por {code('https://')} y tener como máximo "
    f"{b('255')} caracteres.",
    "invalid_invite_link": "El enlace de invitación del Vestíbulo tiene la forma "
    f"{code('https://t.me/+AbCdEf123')} (el que Telegram da al crear un enlace que "
    f"pide aprobación), con hasta {b('255')} caracteres.",
    "invalid_username": "Un usuario de Telegram tiene entre 5 y 32 caracteres: letras, números "
    f"y guion bajo (por ejemplo {code('@diana')}).",
    "invalid_channel": "Reenvíeme una publicación del canal, o escriba su número (empieza por "
    f"{code('-100')}) o su {code('@nombre')} público.",
    "search_invalid": f"Busco por número de Telegram (solo dígitos) o por usuario "
    f"({code('@nombre')}), de hasta 64 caracteres.",
}


class ValidationProvider(Provider):
    area = "validation"

    def _refuse(self, name: str, reason: str, section: AdminSection) -> Message:
        return self.message(
            name,
            f"{self.pick('intro', _INTRO)} {reason}",
            "Envíemelo de nuevo cuando guste, o cancele si prefiere dejarlo.",
            keyboard=keyboard([self.cancel(section)]),
        )

    def too_long(
        self, *, field: Field, limit: int, length: int, section: AdminSection = AdminSection.MAIN
    ) -> Message:
        what = FIELD.get(field, "el valor")
        return self._refuse(
            "too_long",
            f"{what.capitalize()} admite como máximo {b(str(limit))} caracteres, "
            f"y el suyo tiene {length}.",
            section,
        )

    def too_short(
        self, *, field: Field, minimum: int, section: AdminSection = AdminSection.MAIN
    ) -> Message:
        what = FIELD.get(field, "el valor")
        return self._refuse(
            "too_short",
            f"{what.capitalize()} necesita al menos {b(str(minimum))} caracteres.",
            section,
        )

    def not_in_range(
        self,
        *,
        field: Field,
        minimum: int,
        maximum: int,
        number: int | None = None,
        section: AdminSection = AdminSection.MAIN,
    ) -> Message:
        """A whole number was asked for: ``number`` is what was typed when it was one (the
        refusal ``out_of_range``), None when it was not (``not_a_number``)."""
        what = FIELD.get(field, "el valor")
        low, high = b(str(minimum)), b(str(maximum))
        if number is None:
            return self._refuse(
                "not_a_number",
                f"Para {what} necesito un número entero entre {low} y {high}, sin letras ni "
                "signos.",
                section,
            )
        return self._refuse(
            "out_of_range", f"{what.capitalize()} debe estar entre {low} y {high}.", section
        )

    def invalid_price(self, *, maximum: int, section: AdminSection = AdminSection.MAIN) -> Message:
        return self._refuse(
            "invalid_price",
            f"El precio debe ser un número entre 0 y {b(str(maximum))}, con hasta dos "
            f"decimales (por ejemplo {code('19.99')}). Cero significa gratuito.",
            section,
        )

    def invalid_timezone(
        self, *, value: str, section: AdminSection = AdminSection.CONFIG
    ) -> Message:
        return self._refuse(
            "invalid_timezone",
            f"No reconozco {code(value, 64)} como zona horaria. Escríbala como "
            f"{code('America/Mexico_City')} o {code('Europe/Madrid')}.",
            section,
        )

    def invalid_offsets(
        self,
        *,
        max_count: int,
        max_hours: int,
        section: AdminSection = AdminSection.CONFIG,
    ) -> Message:
        return self._refuse(
            "invalid_offsets",
            f"Necesito de 1 a {b(str(max_count))} números de horas separados por comas, "
            f"cada uno entre 1 y {b(str(max_hours))} (por ejemplo {code('72,24')}).",
            section,
        )

    def text_required(
        self, *, field: Field = "text", section: AdminSection = AdminSection.MAIN
    ) -> Message:
        what = FIELD.get(field, "el valor")
        return self._refuse(
            "text_required", f"Para {what} necesito un mensaje de texto, nada más.", section
        )

    def name_taken(self, *, value: str, section: AdminSection = AdminSection.MAIN) -> Message:
        return self._refuse(
            "name_taken",
            f"Ya existe uno llamado {b(esc(value, 64))}. Elija otro nombre, por favor.",
            section,
        )

    def wrong_form(self, form: Form, *, section: AdminSection) -> Message:
        """A value that is not of its ``form`` (:data:`_FORMS`), whatever it was: the
        refusal is named after the form."""
        return self._refuse(form, _FORMS[form], section)
