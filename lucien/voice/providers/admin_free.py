"""Admin · Free garden: the join-request queue, wait time, social links, invite link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import JoinRequestCard, Network, Page, QueueFilter, SocialLinks
from lucien.voice.dates import duration
from lucien.voice.markup import b, code, i, plural
from lucien.voice.markup import name as person
from lucien.voice.message import Message, columns, keyboard
from lucien.voice.providers import words
from lucien.voice.providers.base import Listing, Provider

QUEUE_FILTERS: tuple[tuple[str, str], ...] = (
    ("waiting", "En espera"),
    ("ready", "Listas"),
    ("done", "Resueltas"),
    ("failed", "Con tropiezos"),
)
QUEUE = Listing(S.FREE, ("📋", "Solicitudes"), (QUEUE_FILTERS[:2], QUEUE_FILTERS[2:]), S.FREE)
WAIT_CHOICES = (0, 5, 10, 30, 60)


class AdminFreeProvider(Provider):
    area = "admin_free"

    def menu(
        self,
        *,
        pending: int,
        ready: int,
        wait_minutes: int,
        social: SocialLinks,
        invite_link: str | None,
    ) -> Message:
        networks = ", ".join(words.NETWORK[n] for n, _ in social.items()) or i("ninguna")
        return self.message(
            "menu",
            "🌿 <b>El jardín</b>",
            f"Solicitudes en espera: {b(str(pending))} (listas para aprobar: {b(str(ready))})\n"
            f"Espera antes de abrir: {b(duration(wait_minutes))}\n"
            f"Redes de Diana: {networks}\n"
            f"Enlace del Vestíbulo: {code(invite_link, 160) if invite_link else i('sin definir')}",
            keyboard=keyboard(
                [self.admin_button("📋 Solicitudes", S.FREE, A.LIST, arg="waiting")],
                [
                    self.admin_button("✅ Aprobar todas", S.FREE, A.APPROVE_ALL),
                    self.admin_button("🚫 Rechazar todas", S.FREE, A.REJECT_ALL),
                ],
                [self.admin_button("⏳ Tiempo de espera", S.FREE, A.WAIT)],
                [
                    self.admin_button("📸 Redes", S.FREE, A.SOCIAL),
                    self.admin_button("🔗 Enlace", S.FREE, A.LINK),
                ],
                [self.back_to(S.MAIN)],
            ),
        )

    def queue(
        self,
        *,
        requests: Sequence[JoinRequestCard],
        filter: QueueFilter,
        page: Page,
        counts: Mapping[str, int] | None = None,
    ) -> Message:
        lines = []
        for r in requests:
            who = person(r.user.full_name or r.user.username, "sin nombre")
            line = f"• {b(who)} · pidió {self.short(r.requested_at)}"
            if r.state == "waiting" and r.ready_at:
                line += f" · se abre {self.short(r.ready_at)}"
            elif r.state == "done" and r.decided_at:
                line += f" · resuelta {self.short(r.decided_at)}"
            elif r.state == "failed":
                line += f" · {plural(r.attempts, 'intento', 'intentos')}"
            lines.append(line)
        return self.filtered("queue", QUEUE, filter, lines, "Nadie en este apartado.", page, counts)

    def approve_all_confirm(self, *, count: int) -> Message:
        if count == 0:
            return self.nothing_pending()
        return self.message(
            "approve_all_confirm",
            f"¿Abro la puerta ahora a {b(plural(count, 'solicitud', 'solicitudes'))}, "
            "sin esperar el tiempo habitual?",
            keyboard=keyboard(
                [
                    self.admin_button("✅ Sí, aprobar", S.FREE, A.APPROVE_ALL_OK),
                    self.admin_button("No", S.FREE, A.OPEN),
                ]
            ),
        )

    def approve_all_done(self, *, approved: int, failed: int = 0) -> Message:
        rest = (
            f"{plural(failed, 'solicitud no pudo', 'solicitudes no pudieron')} resolverse aún; "
            "lo reintentaré más adelante."
            if failed
            else None
        )
        return self.message(
            "approve_all_done",
            f"Puerta abierta para {b(plural(approved, 'visitante', 'visitantes'))}.",
            rest,
            keyboard=keyboard([self.back_to(S.FREE)]),
        )

    def reject_all_confirm(self, *, count: int) -> Message:
        if count == 0:
            return self.nothing_pending()
        return self.message(
            "reject_all_confirm",
            f"¿Rechazo {b(plural(count, 'solicitud pendiente', 'solicitudes pendientes'))}?",
            "No recibirán aviso alguno; podrán volver a pedir entrada cuando quieran.",
            keyboard=keyboard(
                [
                    self.admin_button("🚫 Sí, rechazar", S.FREE, A.REJECT_ALL_OK),
                    self.admin_button("No", S.FREE, A.OPEN),
                ]
            ),
        )

    def reject_all_done(self, *, count: int) -> Message:
        return self.message(
            "reject_all_done",
            f"{b(plural(count, 'solicitud rechazada', 'solicitudes rechazadas'))}.",
            keyboard=keyboard([self.back_to(S.FREE)]),
        )

    def nothing_pending(self) -> Message:
        return self.message(
            "nothing_pending",
            "No hay solicitudes pendientes: el vestíbulo está en calma.",
            keyboard=keyboard([self.back_to(S.FREE)]),
        )

    def wait_ask(self, *, current: int, maximum: int = 10080) -> Message:
        buttons = [
            self.admin_button(duration(m) if m else "Sin espera", S.FREE, A.WAIT_SET, arg=str(m))
            for m in WAIT_CHOICES
        ]
        return self.message(
            "wait_ask",
            f"Ahora espero {b(duration(current))} antes de abrir la puerta.",
            f"Elija un tiempo o escriba los minutos (de 0 a {maximum}).",
            keyboard=keyboard(*columns(buttons, 3), [self.cancel(S.FREE)]),
        )

    def wait_set(self, *, minutes: int) -> Message:
        text = (
            "Desde ahora abriré la puerta sin espera."
            if minutes == 0
            else f"Desde ahora esperaré {b(duration(minutes))} antes de abrir la puerta."
        )
        return self.message("wait_set", text, keyboard=keyboard([self.back_to(S.FREE)]))

    def social_menu(self, *, links: SocialLinks) -> Message:
        current = dict(links.items())
        lines = [
            f"{words.NETWORK_EMOJI[n]} {words.NETWORK[n]}: "
            + (code(current[n], 200) if n in current else i("sin definir"))
            for n in words.NETWORK
        ]
        rows = []
        for n in words.NETWORK:
            row = [self.admin_button(f"✏️ {words.NETWORK[n]}", S.FREE, A.SOCIAL_EDIT, arg=n)]
            if n in current:
                row.append(
                    self.admin_button(f"🗑 {words.NETWORK[n]}", S.FREE, A.SOCIAL_CLEAR, arg=n)
                )
            rows.append(row)
        return self.message(
            "social_menu",
            "📸 <b>Redes de Diana</b>",
            "\n".join(lines),
            "Solo se muestran a los visitantes las que estén definidas.",
            keyboard=keyboard(*rows, [self.back_to(S.FREE)]),
        )

    def social_ask(self, *, network: Network, current: str | None = None) -> Message:
        return self.message(
            "social_ask",
            f"Envíeme el enlace completo del perfil de Diana en {b(words.NETWORK[network])} "
            f"(empieza por {code('https://')}).",
            f"Ahora: {code(current, 200)}" if current else None,
            keyboard=keyboard([self.cancel(S.FREE)]),
        )

    def social_set(self, *, network: Network, url: str | None) -> Message:
        text = (
            f"{words.NETWORK[network]} queda como {code(url, 200)}."
            if url
            else f"{words.NETWORK[network]} ya no se mostrará a los visitantes."
        )
        return self.message(
            "social_set", text, keyboard=keyboard([self.admin_button("📸 Redes", S.FREE, A.SOCIAL)])
        )

    def invite_link_ask(self, *, current: str | None = None) -> Message:
        return self.message(
            "invite_link_ask",
            "Envíeme el enlace de invitación del Vestíbulo (el que solicita aprobación, "
            f"empieza por {code('https://t.me/+')}). Lo incluyo en el aviso de aprobación.",
            f"Ahora: {code(current, 200)}" if current else None,
            keyboard=keyboard(
                [self.admin_button("🗑 Quitar enlace", S.FREE, A.LINK_CLEAR)] if current else None,
                [self.cancel(S.FREE)],
            ),
        )

    def invite_link_set(self, *, link: str | None) -> Message:
        text = (
            f"El enlace del Vestíbulo queda como {code(link, 200)}."
            if link
            else "El aviso de aprobación ya no llevará enlace al Vestíbulo."
        )
        return self.message("invite_link_set", text, keyboard=keyboard([self.back_to(S.FREE)]))
