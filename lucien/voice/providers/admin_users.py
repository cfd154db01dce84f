"""Admin · people: search, lists by role, profile tabs, role changes, blocking, removal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.types import InlineKeyboardButton

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import (
    AuditCard,
    InterestCard,
    Page,
    RoleCounts,
    RoleFilter,
    SubscriptionCard,
    UserCard,
)
from lucien.voice.markup import b, code, esc, i, label_value
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, columns, keyboard, url_button
from lucien.voice.providers import words
from lucien.voice.providers.admin_interests import chat_url
from lucien.voice.providers.base import Provider

Tab = Literal["sum", "sub", "aud", "int"]
UserAction = Literal["grant", "ungrant", "block", "unblock", "kick", "wipe"]

ROLE_FILTERS: tuple[tuple[str, str], ...] = (
    ("admin", "Custodios"),
    ("vip", "Círculo"),
    ("free", "Jardín"),
    ("blocked", "Bloqueados"),
)
TABS: tuple[tuple[str, str], ...] = (
    ("sum", "Resumen"),
    ("sub", "Membresía"),
    ("aud", "Historial"),
    ("int", "Intereses"),
)

_AUDIT: dict[str, str] = {
    "admin.grant": "recibió la custodia",
    "admin.revoke": "dejó la custodia",
    "user.block": "recibió un bloqueo",
    "user.unblock": "recuperó el acceso",
    "user.kick": "salió de los canales por decisión de la casa",
    "user.delete": "sus datos fueron borrados",
    "subscription.start": "entró al círculo",
    "subscription.extend": "su membresía se prolongó",
    "subscription.expire": "su membresía concluyó",
    "subscription.remove": "salió del Diván por decisión de la casa",
    "invitation.redeem": "canjeó una invitación",
    "invitation.issue": "emitió invitaciones",
    "invitation.revoke": "revocó una invitación",
    "interest.attend": "un interés fue atendido",
    "free.approve": "se le abrió el vestíbulo",
    "free.reject": "su solicitud al vestíbulo fue rechazada",
    "config.update": "cambió la calibración",
}

_CONFIRM: dict[str, tuple[str, str, A]] = {
    "grant": (
        "¿Concedo la custodia a {who}? Podrá usar todo el panel.",
        "🗝 Sí, conceder",
        A.GRANT_OK,
    ),
    "ungrant": ("¿Retiro la custodia a {who}?", "Sí, retirar", A.UNGRANT_OK),
    "block": (
        "¿Bloqueo a {who}? No recibiré más mensajes suyos (le avisaré una sola vez).",
        "⛔ Sí, bloquear",
        A.BLOCK_OK,
    ),
    "unblock": ("¿Desbloqueo a {who}?", "Sí, desbloquear", A.UNBLOCK_OK),
    "kick": (
        "¿Retiro a {who} del Diván y del Vestíbulo? Su membresía concluirá si la tiene.",
        "🚪 Sí, retirar",
        A.KICK_OK,
    ),
    "wipe": (
        "¿Borro todos los datos de {who}? Se pierden su perfil, sus intereses y sus "
        "membresías; saldrá también de los canales. Esto no se puede deshacer.",
        "🗑 Sí, borrar todo",
        A.WIPE_OK,
    ),
}

_DONE: dict[str, str] = {
    "grant": "{who} comparte ahora la custodia de la casa de Diana 🗝",
    "ungrant": "{who} ya no tiene la custodia.",
    "block": "He bloqueado a {who}. No recibiré más mensajes suyos.",
    "unblock": "{who} vuelve a tener las puertas abiertas.",
    "kick": "He retirado a {who} de los canales.",
    "wipe": "Los datos de {who} han sido borrados.",
}


class AdminUsersProvider(Provider):
    area = "admin_users"

    def menu(self, *, counts: RoleCounts) -> Message:
        return self.message(
            "menu",
            "👥 <b>Personas</b>",
            f"Custodios: {b(str(counts.admins))}\n"
            f"Círculo: {b(str(counts.vip))}\n"
            f"Jardín: {b(str(counts.free))}\n"
            f"Bloqueados: {b(str(counts.blocked))}\n"
            f"En total: {b(str(counts.total))}",
            keyboard=keyboard(
                [self.admin_button("🔎 Buscar", S.USERS, A.FIND)],
                *columns(
                    [
                        self.admin_button(
                            f"{label} ({getattr(counts, 'admins' if arg == 'admin' else arg)})",
                            S.USERS,
                            A.LIST,
                            arg=arg,
                        )
                        for arg, label in ROLE_FILTERS
                    ],
                    2,
                ),
                [self.back_to(S.MAIN)],
            ),
        )

    def search_ask(self) -> Message:
        return self.message(
            "search_ask",
            "¿A quién busca? Envíeme su número de Telegram o su usuario (@nombre).",
            keyboard=keyboard([self.cancel(S.USERS)]),
        )

    def search_results(self, *, users: Sequence[UserCard], query: str) -> Message:
        if not users:
            return self.message(
                "search_none",
                f"No encuentro a nadie que responda a {b(esc(query, 64))}.",
                "Recuerde que solo conozco a quienes han hablado conmigo alguna vez.",
                keyboard=keyboard(
                    [self.admin_button("🔎 Buscar otra vez", S.USERS, A.FIND)],
                    [self.back_to(S.USERS)],
                ),
            )
        return self.message(
            "search_results",
            f"Esto es lo que encuentro para {b(esc(query, 64))}:",
            "\n".join(self._line(u) for u in users[:20]),
            keyboard=keyboard(*self._rows(users[:20]), [self.back_to(S.USERS)]),
        )

    def users(self, *, users: Sequence[UserCard], role: RoleFilter, page: Page) -> Message:
        label = dict(ROLE_FILTERS).get(role, "")
        return self.paged(
            "users",
            f"👥 <b>{label}</b> ({page.total})",
            [self._line(u) for u in users],
            "Nadie en este apartado.",
            page,
            lambda n: self.cb(S.USERS, A.LIST, page=n, arg=role),
            above=self._rows(users),
            below=[[self.back_to(S.USERS)]],
        )

    # -- profile ------------------------------------------------------------------------

    def profile(
        self,
        *,
        user: UserCard,
        viewer_is_owner: bool = False,
        viewer_id: int = 0,
        env_admin: bool = False,
    ) -> Message:
        """Profile summary with the actions this viewer may take."""
        u = user
        lines = [
            f"Número: {code(u.id)}",
            f"Usuario: @{esc(u.username, 40)}" if u.username else None,
            f"Condición: {b(words.role(u.role))}" + (" · dueña de la casa" if u.is_owner else ""),
            f"Primera visita: {self.when(u.first_seen_at)}" if u.first_seen_at else None,
            f"Última visita: {self.when(u.last_seen_at)}" if u.last_seen_at else None,
            "⛔ Con bloqueo" if u.is_blocked else None,
            i("No recibe mis mensajes (me bloqueó)") if u.unreachable else None,
        ]
        is_self = u.id == viewer_id
        manage: list[InlineKeyboardButton] = []
        if viewer_is_owner and not is_self and not u.is_owner and not env_admin:
            if u.role == "admin":
                manage.append(self.admin_button("Retirar custodia", S.USERS, A.UNGRANT, id=u.id))
            else:
                manage.append(self.admin_button("🗝 Dar la custodia", S.USERS, A.GRANT, id=u.id))
        rows: list[list[InlineKeyboardButton] | None] = [manage]
        rows.append([self.admin_button("⭐ Pagos en estrellas", S.PAYMENTS, A.LIST, id=u.id)])
        if not is_self and not u.is_owner:
            rows.append(
                [
                    self.admin_button("✅ Desbloquear", S.USERS, A.UNBLOCK, id=u.id)
                    if u.is_blocked
                    else self.admin_button("⛔ Bloquear", S.USERS, A.BLOCK, id=u.id),
                    self.admin_button("🚪 Retirar de canales", S.USERS, A.KICK, id=u.id),
                ]
            )
            rows.append([self.admin_button("🗑 Borrar sus datos", S.USERS, A.WIPE, id=u.id)])
        return self.message(
            "profile",
            f"👤 {b(person(u.full_name, 'sin nombre'))}",
            "\n".join(x for x in lines if x),
            keyboard=keyboard(self._tabs(u.id, "sum"), *rows, self._profile_back(u.id)),
        )

    def profile_subscription(self, *, user: UserCard, subs: Sequence[SubscriptionCard]) -> Message:
        lines = []
        for s in subs[:15]:
            state = {"active": "vigente", "expired": "concluida", "removed": "retirada"}.get(
                s.status, "concluida"
            )
            lines.append(
                f"• {b(esc(s.plan_name or 'plan personal', 48))} · {state}\n"
                f"  {self.short_day(s.started_at)} → {self.short_day(s.ends_at)}"
            )
        active = next((s for s in subs if s.status == "active"), None)
        return self.message(
            "profile_subscription",
            f"👤 {b(person(user.full_name, 'sin nombre'))} · membresía",
            "\n".join(lines) or i("Nunca ha pertenecido al círculo."),
            keyboard=keyboard(
                self._tabs(user.id, "sub"),
                [self.admin_button("👑 Gestionar membresía", S.SUBS, A.VIEW, id=active.id)]
                if active
                else None,
                self._profile_back(user.id),
            ),
        )

    def _profile_page(
        self,
        name: str,
        tab_title: str,
        user: UserCard,
        lines: Sequence[str],
        empty: str,
        page: Page,
        tab: Tab,
    ) -> Message:
        """A paged profile tab (history, interests): the tabs above, back to the profile."""
        return self.paged(
            name,
            f"👤 {b(person(user.full_name, 'sin nombre'))} · {tab_title}",
            lines,
            empty,
            page,
            lambda n: self.cb(S.USERS, A.VIEW, id=user.id, page=n, arg=tab),
            above=[self._tabs(user.id, tab)],
            below=[self._profile_back(user.id)],
        )

    def profile_audit(self, *, user: UserCard, entries: Sequence[AuditCard], page: Page) -> Message:
        lines = []
        for e in entries:
            what = _AUDIT.get(e.action)
            text = esc(what) if what else f"acción {code(e.action, 40)}"
            by = f" · por {esc(e.actor_name, 40)}" if e.actor_name else ""
            why = f"\n  {i(esc(e.reason, 200))}" if e.reason else ""
            lines.append(f"• {self.short(e.created_at)} · {text}{by}{why}")
        return self._profile_page(
            "profile_audit",
            "historial",
            user,
            lines,
            "Sin anotaciones en el registro.",
            page,
            "aud",
        )

    def profile_interests(
        self, *, user: UserCard, interests: Sequence[InterestCard], page: Page
    ) -> Message:
        lines = [
            f"{'✅' if it.attended_at else '✨'} "
            f"{'Círculo' if it.package is None else b(esc(it.package.name, 60))} · "
            f"{self.short(it.created_at)}"
            for it in interests
        ]
        return self._profile_page(
            "profile_interests",
            "intereses",
            user,
            lines,
            "Aún no ha mostrado interés por nada.",
            page,
            "int",
        )

    # -- actions ------------------------------------------------------------------------

    def confirm(self, *, action: UserAction, user: UserCard) -> Message:
        question, label, ok = _CONFIRM[action]
        who = b(person(user.full_name, "esta persona"))
        return self.message(
            f"confirm_{action}",
            question.format(who=who),
            keyboard=keyboard(
                [
                    self.admin_button(label, S.USERS, ok, id=user.id),
                    self.admin_button("No", S.USERS, A.VIEW, id=user.id, arg="sum"),
                ]
            ),
        )

    def done(self, *, action: UserAction, user: UserCard, vip_channel: bool = True) -> Message:
        """``vip_channel=False``: a removal while no Diván is calibrated (nothing to remove
        from there, and nothing will be tried later)."""
        who = b(person(user.full_name, "esta persona"))
        back = (
            [self.back_to(S.USERS)]
            if action == "wipe"
            else [self.admin_button("👤 Perfil", S.USERS, A.VIEW, id=user.id, arg="sum")]
        )
        if action == "kick" and not vip_channel:
            return self.message(
                "done_kick_no_vip",
                f"La membresía de {who} ha concluido y ya no tiene acceso al círculo.",
                "No hay ningún Diván calibrado, así que no había canal del que retirarle, y "
                "no lo intentaré más adelante. Si calibra el Diván y sigue dentro, retírele "
                "de nuevo desde aquí.",
                keyboard=keyboard(back),
            )
        return self.message(
            f"done_{action}", _DONE[action].format(who=who), keyboard=keyboard(back)
        )

    def removal_incomplete(self, *, user: UserCard, deleted: bool = False) -> Message:
        """Removal from the channels (or a deletion) whose Telegram half did not finish.

        A deletion keeps every row until the person is out of the channels, so asking
        again (the button) finishes it.
        """
        who = b(person(user.full_name, "esta persona"))
        if deleted:
            return self.message(
                "wipe_incomplete",
                f"He cerrado la membresía de {who}, pero no he podido retirarle de todos los "
                "canales, así que aún no he borrado sus datos.",
                "Compruebe en la calibración que sigo siendo administrador con permiso para "
                "restringir miembros, y pídame de nuevo el borrado para terminarlo.",
                keyboard=keyboard(
                    [self.admin_button("🗑 Terminar el borrado", S.USERS, A.WIPE_OK, id=user.id)],
                    [self.admin_button("🔍 Revisar canales", S.CONFIG, A.OPEN)],
                    [self.back_to(S.USERS)],
                ),
            )
        return self.message(
            "removal_incomplete",
            f"He cerrado la membresía de {who}, pero no he podido retirarle de todos los canales.",
            "Compruebe en la calibración que sigo siendo administrador con permiso para "
            "restringir miembros, y vuelva a intentarlo.",
            keyboard=keyboard(
                [self.admin_button("🔍 Revisar canales", S.CONFIG, A.OPEN)],
                [self.admin_button("👤 Perfil", S.USERS, A.VIEW, id=user.id, arg="sum")],
            ),
        )

    def owner_only(self) -> Alert:
        return self.alert(
            "owner_only", "🎩 Solo la dueña de la casa puede conceder o retirar la custodia.", True
        )

    def not_yourself(self) -> Alert:
        return self.alert("not_yourself", "🎩 Eso no puede hacerlo sobre sí mismo.", True)

    def protected(self) -> Alert:
        """The owner, or an admin named in the deployment settings, cannot be touched here."""
        return self.alert(
            "protected",
            "🎩 Esa persona tiene la custodia por disposición de Diana; "
            "no puedo cambiarlo desde aquí.",
            True,
        )

    # -- helpers ------------------------------------------------------------------------

    def _line(self, u: UserCard) -> str:
        handle = f" @{esc(u.username, 40)}" if u.username else ""
        flag = " ⛔" if u.is_blocked else ""
        return (
            f"{words.ROLE_EMOJI.get(u.role, '')} {b(person(u.full_name, 'sin nombre'))}"
            f"{handle} · {code(u.id)}{flag}"
        )

    def _rows(self, users: Sequence[UserCard]) -> list[list[InlineKeyboardButton]]:
        return [
            [
                self.admin_button(
                    f"{words.ROLE_EMOJI.get(u.role, '')} "
                    f"{label_value(u.full_name or u.username, 36)}",
                    S.USERS,
                    A.VIEW,
                    id=u.id,
                    arg="sum",
                )
            ]
            for u in users
        ]

    def _tabs(self, user_id: int, current: str) -> list[InlineKeyboardButton]:
        return [
            self.admin_button(
                ("· " if arg == current else "") + label, S.USERS, A.VIEW, id=user_id, arg=arg
            )
            for arg, label in TABS
        ]

    def _profile_back(self, user_id: int) -> list[InlineKeyboardButton]:
        return [url_button("💬 Abrir chat", chat_url(user_id)), self.back_to(S.USERS)]
