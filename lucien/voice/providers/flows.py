"""User flows: the Free entry (welcome, repeat, approved) and the "Me interesa" answers."""

from __future__ import annotations

from datetime import datetime

from lucien.voice.data import SocialLinks
from lucien.voice.dates import duration
from lucien.voice.markup import b, esc, plural, safe_url
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, keyboard, url_button
from lucien.voice.providers.base import Provider
from lucien.voice.providers.keyboards import social_buttons

_WELCOME = (
    "{name}, he recibido su solicitud para entrar al <b>Vestíbulo</b> de Diana 🌿",
    "Me alegra su curiosidad, {name}. Su solicitud al <b>Vestíbulo</b> está en mis manos 🌿",
    (0.6, "Ah, {name}… alguien llama a la puerta del <b>Vestíbulo</b>. Le he oído 🌿"),
)

_APPROVED = (
    "{name}, la puerta del <b>Vestíbulo</b> está abierta. Adelante 🌿",
    "Todo listo, {name}: ya puede pasar al <b>Vestíbulo</b> de Diana 🌿",
)

# Diana's own note after "Me interesa": first person, "tú" on purpose (the one exception
# to Lucien's "usted"; the linter knows it by the DIANA_ prefix).
DIANA_INTEREST_PACKAGE = (
    "¡Hola, {name}! Vi que te interesa «{package}» y me encantó 💕\n\n"
    "En un ratito te escribo (o alguien de mi equipo) para contarte todo. "
    "Gracias por estar aquí.",
    "{name}, ¡qué lindo que te haya llamado la atención «{package}»! 🌸\n\n"
    "Ya lo tengo anotado; muy pronto te escribo para que hablemos de ello.",
)
DIANA_INTEREST_CIRCLE = (
    "¡Hola, {name}! Vi que quieres entrar a mi círculo y me hizo sonreír 💕\n\n"
    "En un ratito te escribo para contarte cómo es el Diván por dentro.",
    "{name}, me encanta que quieras estar más cerca 🌸\n\n"
    "Te escribo muy pronto para explicarte cómo entrar a mi círculo.",
)


class FlowsProvider(Provider):
    area = "flows"

    def free_welcome(
        self, *, name: str, wait_minutes: int, social: SocialLinks | None = None
    ) -> Message:
        """DM right after a join request: the wait time and Diana's social profiles."""
        wait = (
            "Le abriré la puerta en un instante."
            if wait_minutes <= 0
            else f"Diana pide a sus visitantes una breve espera: en {b(duration(wait_minutes))}"
            " le abriré la puerta."
        )
        buttons = social_buttons(social or SocialLinks())
        return self.message(
            "free_welcome",
            self.say("free_welcome", _WELCOME, name=b(person(name))),
            wait,
            "Mientras tanto, puede conocerla un poco más:" if buttons else None,
            keyboard=keyboard(*[[x] for x in buttons]),
        )

    def free_request_repeated(self, *, minutes_left: int) -> Message:
        """A repeated join request: acknowledged (never declined)."""
        when = (
            "Falta muy poco."
            if minutes_left <= 1
            else f"Falta poco: unos {b(duration(minutes_left))}."
        )
        return self.message(
            "free_request_repeated",
            "Su solicitud ya está en mis manos; no hace falta repetirla.",
            when,
        )

    def free_approved(self, *, name: str, channel_url: str | None = None) -> Message:
        """After the join request was approved: a button to the channel (if known)."""
        url = safe_url(channel_url)
        return self.message(
            "free_approved",
            self.say("free_approved", _APPROVED, name=b(person(name))),
            "Allí Diana se deja ver por primera vez… Pase cuando guste; le deseo una grata visita.",
            keyboard=keyboard(
                [url_button("🚪 Entrar al Vestíbulo", url)] if url else None,
                [self.home_button()],
            ),
        )

    def membership_extended(self, *, name: str, added_days: int, ends_at: datetime) -> Message:
        """A custodian extended the member's period from the panel."""
        return self.message(
            "membership_extended",
            f"{b(person(name))}, Diana ha dispuesto que su estancia en el Diván se prolongue "
            f"{plural(added_days, 'día', 'días')} más.",
            f"Su membresía concluye ahora el {b(self.when(ends_at))}. El círculo sigue "
            "abierto para usted…",
            keyboard=keyboard([self.home_button()]),
        )

    def interest_confirmation(self, *, name: str, package_name: str | None = None) -> Message:
        """Diana's warm note after "Me interesa" (``package_name=None``: the VIP circle)."""
        if package_name is None:
            text = self.say("interest.circle", DIANA_INTEREST_CIRCLE, name=person(name))
        else:
            text = self.say(
                "interest.package",
                DIANA_INTEREST_PACKAGE,
                name=person(name),
                package=b(esc(package_name, 100)),
            )
        return self.message(
            "interest_confirmation",
            text,
            keyboard=keyboard([self.home_button()]),
            speaker="diana",
        )

    def interest_too_soon(self) -> Alert:
        """A repeated "Me interesa" within the window."""
        return self.alert(
            "interest_too_soon",
            "🎩 Diana ya tiene presente su interés; no hace falta repetirlo. Le escribirá pronto.",
        )
