"""Admin · interests: the "Me interesa" notes, notifications and follow-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import InterestCard, Page, UserCard
from lucien.voice.markup import b, code, esc, i, label_value, money
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, keyboard, url_button
from lucien.voice.providers import words
from lucien.voice.providers.base import Listing, Provider

InterestFilter = Literal[
    "pending", "attended", "FREE_CONTENT", "VIP_CONTENT", "VIP_PREMIUM", "circle"
]
STATE_FILTERS: tuple[tuple[str, str], ...] = (("pending", "Pendientes"), ("attended", "Atendidos"))
KIND_FILTERS: tuple[tuple[str, str], ...] = (
    ("FREE_CONTENT", "Jardín"),
    ("VIP_CONTENT", "Diván"),
    ("VIP_PREMIUM", "Premium"),
    ("circle", "Círculo"),
)
INTERESTS = Listing(S.INTERESTS, ("✨", "Intereses"), (STATE_FILTERS, KIND_FILTERS), S.MAIN)


def _target(interest: InterestCard) -> str:
    if interest.package is None:
        return "entrar al círculo (membresía VIP)"
    p = interest.package
    return f"{b(esc(p.name, 100))} · {words.category(p.category)} · {money(p.price, p.currency)}"


def _who(user: UserCard) -> str:
    handle = f" (@{esc(user.username, 40)})" if user.username else ""
    return f"{b(person(user.full_name, 'sin nombre'))}{handle}"


def chat_url(user_id: int) -> str:
    return f"tg://user?id={int(user_id)}"


class AdminInterestsProvider(Provider):
    area = "admin_interests"

    def notification(self, *, interest: InterestCard) -> Message:
        """Sent to every admin when someone taps "Me interesa"."""
        u = interest.user
        return self.message(
            "notification",
            self.pick(
                "notification",
                (
                    "✨ Un alma ha mostrado interés.",
                    "✨ Alguien se ha acercado un poco más a Diana.",
                ),
            ),
            f"Quién: {_who(u)} · {code(u.id)}\n"
            f"Condición: {words.role(u.role)}\n"
            f"Interés: {_target(interest)}\n"
            f"Cuándo: {self.when(interest.created_at)}",
            keyboard=keyboard(
                [
                    self.admin_button(
                        "✅ Marcar como atendido", S.INTERESTS, A.ATTEND, id=interest.id
                    )
                ],
                [
                    url_button("💬 Abrir chat", chat_url(u.id)),
                    self.admin_button("👤 Perfil", S.USERS, A.VIEW, id=u.id, arg="sum"),
                ],
            ),
        )

    def interests(
        self,
        *,
        interests: Sequence[InterestCard],
        filter: InterestFilter,
        page: Page,
        counts: Mapping[str, int] | None = None,
    ) -> Message:
        """The list, with filters (pending, attended, per category) and their counts."""
        lines = []
        rows = []
        for it in interests:
            mark = "✅" if it.attended_at else "✨"
            what = "Círculo" if it.package is None else esc(it.package.name, 60)
            lines.append(
                f"{mark} {b(person(it.user.full_name, 'sin nombre'))} · {what} · "
                f"{self.short(it.created_at)}"
            )
            label = "Círculo" if it.package is None else label_value(it.package.name, 20)
            who = label_value(it.user.full_name, 20)
            rows.append(self.opens(f"{mark} {who} · {label}", S.INTERESTS, it.id, page, filter))
        empty = "Ningún interés en este apartado."
        return self.filtered("interests", INTERESTS, filter, lines, empty, page, counts, items=rows)

    def interest(
        self, *, interest: InterestCard, back_filter: str = "pending", back_page: int = 0
    ) -> Message:
        u = interest.user
        state = (
            f"Atendido el {self.when(interest.attended_at)}"
            + (f" por {b(esc(interest.attended_by, 48))}" if interest.attended_by else "")
            if interest.attended_at
            else i("Pendiente de respuesta")
        )
        return self.message(
            "interest",
            "✨ <b>Interés</b>",
            f"Quién: {_who(u)} · {code(u.id)}\n"
            f"Condición: {words.role(u.role)}\n"
            f"Interés: {_target(interest)}\n"
            f"Cuándo: {self.when(interest.created_at)}\n"
            f"{state}",
            keyboard=keyboard(
                [
                    self.admin_button(
                        "✅ Marcar como atendido",
                        S.INTERESTS,
                        A.ATTEND,
                        id=interest.id,
                        page=back_page,
                    )
                ]
                if not interest.attended_at
                else None,
                [
                    url_button("💬 Abrir chat", chat_url(u.id)),
                    self.admin_button("👤 Perfil", S.USERS, A.VIEW, id=u.id, arg="sum"),
                ],
                [
                    self.admin_button(
                        "⬅️ Volver", S.INTERESTS, A.LIST, page=back_page, arg=back_filter
                    )
                ],
            ),
        )

    def attended(self) -> Alert:
        return self.alert("attended", "🎩 Marcado como atendido. Diana lo agradecerá.")

    def already_attended(self, *, by: str | None = None, at: datetime | None = None) -> Alert:
        who = f" por {by[:40]}" if by else ""
        when = f" el {self.short(at)}" if at else ""
        return self.alert("already_attended", f"🎩 Ya fue atendido{who}{when}.")
