"""The admin home (/admin, or /start as admin)."""

from __future__ import annotations

from datetime import datetime

from lucien.voice.data import Role
from lucien.voice.markup import b, plural
from lucien.voice.message import Message
from lucien.voice.providers.base import Provider
from lucien.voice.providers.keyboards import admin_home

_INTRO = (
    "¿Qué desea revisar?",
    "Dígame por dónde empezamos.",
    (0.6, "La casa está en orden… o casi. ¿Qué desea revisar primero?"),
)


class AdminMainProvider(Provider):
    area = "admin_main"

    def home(
        self,
        *,
        name: str,
        interests_pending: int = 0,
        free_pending: int = 0,
        warnings: int = 0,
        at: datetime | None = None,
    ) -> Message:
        """Admin greeting with the main menu (sections as buttons)."""
        notes: list[str] = []
        if interests_pending:
            n = interests_pending
            notes.append(
                f"✨ {b(plural(n, 'interés', 'intereses'))} "
                f"{'espera' if n == 1 else 'esperan'} respuesta."
            )
        if free_pending:
            notes.append(
                f"🌿 {b(plural(free_pending, 'solicitud', 'solicitudes'))} en el vestíbulo."
            )
        if warnings:
            n = warnings
            notes.append(
                f"⚠️ {b(plural(n, 'asunto', 'asuntos'))} de calibración "
                f"{'pide' if n == 1 else 'piden'} su atención en el resumen."
            )
        return self.message(
            "home",
            self.voice.start.greeting_line(name=name, role=Role.ADMIN, at=at),
            "\n".join(notes) or None,
            self.pick("home.intro", _INTRO),
            keyboard=admin_home(),
        )

    def menu_only(self) -> Message:
        """The admin menu without a greeting (after leaving a section)."""
        return self.message(
            "menu_only",
            "🗝 <b>Panel de custodia</b>",
            self.pick("home.intro", _INTRO),
            keyboard=admin_home(),
        )
