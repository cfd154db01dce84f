"""Admin · VIP circle: invitations, subscribers and plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from aiogram.types import InlineKeyboardButton

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.callbacks import IssueCB
from lucien.voice.data import (
    Page,
    PlanCard,
    PlanDraft,
    SubFilter,
    SubscriptionCard,
    TokenCard,
    TokenFilter,
)
from lucien.voice.limits import TEXT_LIMIT, chunk_blocks
from lucien.voice.markup import b, code, esc, i, label_value, money, number, plural
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, button, columns, keyboard
from lucien.voice.providers.admin_payments import stars
from lucien.voice.providers.base import Listing, Provider

PlanField = Literal["name", "days", "price", "currency", "stars"]

TOKEN_FILTERS: tuple[tuple[str, str], ...] = (
    ("unused", "Sin usar"),
    ("used", "Usadas"),
    ("expired", "Vencidas"),
    ("revoked", "Revocadas"),
)
SUB_FILTERS: tuple[tuple[str, str], ...] = (
    ("active", "Activas"),
    ("expiring", "Vencen en 7 días"),
    ("expired", "Concluidas"),
)
TOKENS = Listing(S.TOKENS, ("📜", "Invitaciones"), (TOKEN_FILTERS[:2], TOKEN_FILTERS[2:]), S.VIP)
SUBS = Listing(S.SUBS, ("👑", "Miembros"), (SUB_FILTERS,), S.VIP)
_TOKEN_STATUS = {"unused": "sin usar", "used": "usada", "expired": "vencida", "revoked": "revocada"}
_SUB_STATUS = {"active": "vigente", "expired": "concluida", "removed": "concluida y retirada"}
QUANTITIES = (1, 5, 10, 25, 50)
DEADLINES = (1, 3, 7, 14, 30)
EXTENSIONS = (7, 30, 90)

_PLAN_PROMPT: dict[str, str] = {
    "name": "¿Cómo se llamará el plan? (hasta {limit} caracteres)",
    "days": "¿Cuántos días de acceso concede? (un número entre 1 y {limit})",
    "price": "¿Qué precio tiene? (un número, por ejemplo 19.99; hasta {limit})",
    "currency": "¿En qué moneda? (tres letras, por ejemplo USD o MXN)",
    "stars": "¿Lo vendo también aquí mismo, en estrellas de Telegram? Escriba el precio en "
    "estrellas (un número entero, hasta {limit}), o 0 si solo se ofrece con invitación.",
}
PLAN_LIMITS: dict[str, int] = {
    "name": 64,
    "days": 3650,
    "price": 1_000_000,
    "currency": 3,
    "stars": 10_000,
}


def _in_bot(value: int | None) -> str:
    """A plan's price in Stars, or that it is sold only by invitation."""
    return stars(value) if value else "no, solo con invitación"


class AdminVipProvider(Provider):
    area = "admin_vip"

    # -- section menu -------------------------------------------------------------------

    def menu(
        self, *, active: int, expiring_7d: int, tokens_unused: int, plans_active: int
    ) -> Message:
        return self.message(
            "menu",
            "👑 <b>El círculo</b>",
            f"Miembros vigentes: {b(str(active))}\n"
            f"Vencen en 7 días: {b(str(expiring_7d))}\n"
            f"Invitaciones sin usar: {b(str(tokens_unused))}\n"
            f"Planes activos: {b(str(plans_active))}",
            self.pick("menu", ("¿Qué desea atender?", "Todo el círculo, a su disposición.")),
            keyboard=keyboard(
                [self.admin_button("🎟 Emitir invitaciones", S.TOKENS, A.ISSUE)],
                [
                    self.admin_button("📜 Invitaciones", S.TOKENS, A.LIST, arg="unused"),
                    self.admin_button("👑 Miembros", S.SUBS, A.LIST, arg="active"),
                ],
                [self.admin_button("🗂 Planes", S.PLANS, A.LIST)],
                [self.back_to(S.MAIN)],
            ),
        )

    # -- issuing invitations ------------------------------------------------------------

    def issue_choose_plan(self, *, plans: Sequence[PlanCard]) -> Message:
        active = [p for p in plans if p.active]
        if not active:
            return self.message(
                "issue_no_plans",
                "Para emitir invitaciones necesito al menos un plan activo, y no hay ninguno.",
                "¿Creamos uno?",
                keyboard=keyboard(
                    [self.admin_button("➕ Crear un plan", S.PLANS, A.NEW)],
                    [self.back_to(S.VIP)],
                ),
            )
        rows = [
            [
                self.admin_button(
                    f"{label_value(p.name, 28)} · {p.days} d · {money(p.price, p.currency)}",
                    S.TOKENS,
                    A.ISSUE_PLAN,
                    id=p.id,
                )
            ]
            for p in active[:20]
        ]
        return self.message(
            "issue_choose_plan",
            "🎟 <b>Emitir invitaciones</b>",
            "¿Para qué plan? La duración del plan empieza a contar cuando la invitación se "
            "canjea, no antes.",
            keyboard=keyboard(*rows, [self.cancel(S.VIP)]),
        )

    def issue_ask_quantity(self, *, plan: PlanCard, maximum: int = 50) -> Message:
        buttons = [
            self.admin_button(str(q), S.TOKENS, A.ISSUE_QTY, id=plan.id, arg=str(q))
            for q in QUANTITIES
            if q <= maximum
        ]
        return self.message(
            "issue_ask_quantity",
            f"Plan {b(esc(plan.name, 64))}.",
            f"¿Cuántas invitaciones emito? Elija una cantidad o escríbala (de 1 a {maximum}).",
            keyboard=keyboard(buttons, [self.cancel(S.VIP)]),
        )

    def issue_ask_deadline(
        self, *, plan: PlanCard, quantity: int, default_days: int = 7, maximum: int = 365
    ) -> Message:
        buttons = [
            button(
                f"{d} d" + (" ✓" if d == default_days else ""),
                IssueCB(plan=plan.id, quantity=quantity, days=d),
            )
            for d in DEADLINES
            if d <= maximum
        ]
        return self.message(
            "issue_ask_deadline",
            f"{plural(quantity, 'invitación', 'invitaciones')} para {b(esc(plan.name, 64))}.",
            "¿Cuántos días tendrán para canjearse? Pasado ese plazo dejarán de abrir la "
            f"puerta. Elija o escriba un número de 1 a {maximum} (lo habitual: "
            f"{default_days}).",
            keyboard=keyboard(*columns(buttons, 5), [self.cancel(S.VIP)]),
        )

    def issued(self, *, tokens: Sequence[TokenCard], plan: PlanCard) -> list[Message]:
        """The new invitation(s): token, deep link, plan and true deadline (may be several
        messages for a batch)."""
        header = (
            f"🎟 {b(plural(len(tokens), 'invitación emitida', 'invitaciones emitidas'))} · "
            f"plan {b(esc(plan.name, 64))} ({plan.days} días)"
        )
        blocks = [
            f"{n}. {code(t.token, 64)}\n{code(t.link, 160)}\n"
            f"Canjeable hasta el {b(self.when(t.redeem_by))}"
            for n, t in enumerate(tokens, 1)
        ]
        outro = (
            "Cada invitación sirve una sola vez. Comparta el enlace completo; quien lo abra "
            "entrará al ritual de bienvenida."
        )
        chunks = chunk_blocks(blocks, TEXT_LIMIT - 600) or [""]
        done = keyboard(
            [self.admin_button("🎟 Emitir más", S.TOKENS, A.ISSUE)],
            [self.admin_button("📜 Ver invitaciones", S.TOKENS, A.LIST, arg="unused")],
            [self.back_to(S.VIP)],
        )
        messages: list[Message] = []
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            messages.append(
                self.message(
                    "issued",
                    header if n == 0 else f"{header} · continuación",
                    chunk,
                    outro if last else None,
                    keyboard=done if last else None,
                )
            )
        return messages

    # -- invitation list ----------------------------------------------------------------

    def tokens(
        self,
        *,
        tokens: Sequence[TokenCard],
        filter: TokenFilter,
        page: Page,
        counts: Mapping[str, int] | None = None,
    ) -> Message:
        lines: list[str] = []
        revoke: list[InlineKeyboardButton] = []
        for t in tokens:
            line = f"• {code(t.token, 64)} · {esc(t.plan_name, 40)}"
            if t.status == "unused":
                line += f"\n  canjeable hasta el {self.short(t.redeem_by)}\n  {code(t.link, 160)}"
                revoke.append(
                    self.admin_button(
                        f"🚫 Revocar …{label_value(t.token[-6:], 8)}", S.TOKENS, A.REVOKE, id=t.id
                    )
                )
            elif t.status == "used":
                who = person(t.used_by.full_name if t.used_by else None, "alguien")
                when = f" el {self.short(t.used_at)}" if t.used_at else ""
                line += f"\n  canjeada por {who}{when}"
            elif t.status == "expired":
                line += f"\n  venció el {self.short(t.redeem_by)}"
            elif t.revoked_at:
                line += f"\n  revocada el {self.short(t.revoked_at)}"
            lines.append(line)
        empty = "No hay invitaciones en este apartado."
        return self.filtered(
            "tokens", TOKENS, filter, lines, empty, page, counts, items=columns(revoke, 2)
        )

    def token_revoke_confirm(self, *, token: TokenCard) -> Message:
        return self.message(
            "token_revoke_confirm",
            f"¿Revoco la invitación {code(token.token, 64)} del plan {b(esc(token.plan_name))}?",
            "Quien la tenga ya no podrá usarla. Esto no se puede deshacer.",
            keyboard=keyboard(
                [
                    self.admin_button("🚫 Sí, revocar", S.TOKENS, A.REVOKE_OK, id=token.id),
                    self.admin_button("No", S.TOKENS, A.LIST, arg="unused"),
                ]
            ),
        )

    def token_revoked(self, *, token: TokenCard) -> Message:
        return self.message(
            "token_revoked",
            f"La invitación {code(token.token, 64)} queda revocada. Ya no abre ninguna puerta.",
            keyboard=keyboard(
                [self.admin_button("📜 Invitaciones", S.TOKENS, A.LIST, arg="unused")],
                [self.back_to(S.VIP)],
            ),
        )

    def token_not_revocable(self, *, status: str) -> Alert:
        what = _TOKEN_STATUS.get(status, "cerrada")
        return self.alert(
            "token_not_revocable", f"🎩 Esa invitación ya está {what}; no hay nada que revocar."
        )

    # -- subscribers --------------------------------------------------------------------

    def subscribers(
        self,
        *,
        subs: Sequence[SubscriptionCard],
        filter: SubFilter,
        page: Page,
        counts: Mapping[str, int] | None = None,
    ) -> Message:
        lines = []
        rows = []
        for s in subs:
            who = person(s.user.full_name or s.user.username, "sin nombre")
            left = self.days_left(s.ends_at)
            tail = (
                f"hasta {self.short_day(s.ends_at)} ({left} d)"
                if s.status == "active"
                else f"concluyó {self.short_day(s.ends_at)}"
            )
            lines.append(f"• {b(who)} · {esc(s.plan_name or 'plan personal', 40)} · {tail}")
            name = f"{label_value(s.user.full_name or s.user.username, 30)} · "
            rows.append(self.opens(name + self.short_day(s.ends_at), S.SUBS, s.id, page, filter))
        empty = "Nadie en este apartado por ahora."
        return self.filtered("subscribers", SUBS, filter, lines, empty, page, counts, items=rows)

    def subscriber(
        self, *, sub: SubscriptionCard, back_filter: str = "active", back_page: int = 0
    ) -> Message:
        u = sub.user
        left = self.days_left(sub.ends_at)
        handle = f" · @{esc(u.username, 40)}" if u.username else ""
        stage = (
            f"\nRitual de entrada: paso {sub.ritual_stage} de 3"
            if 1 <= sub.ritual_stage <= 3
            else ""
        )
        active = sub.status == "active"
        return self.message(
            "subscriber",
            f"👑 {b(person(u.full_name, 'sin nombre'))}{handle}\nNúmero: {code(u.id)}",
            f"Plan: {b(esc(sub.plan_name or 'plan personal', 64))}\n"
            f"Estado: {_SUB_STATUS.get(sub.status, 'concluida')}\n"
            f"Desde: {self.when(sub.started_at)}\n"
            f"Hasta: {b(self.when(sub.ends_at))}"
            + (f" · quedan {left} días" if active else "")
            + stage,
            keyboard=keyboard(
                [
                    self.admin_button(f"+{d} días", S.SUBS, A.EXTEND, id=sub.id, arg=str(d))
                    for d in EXTENSIONS
                ],
                [self.admin_button("✍️ Otra cantidad", S.SUBS, A.EXTEND_ASK, id=sub.id)],
                [self.admin_button("🚪 Retirar del círculo", S.SUBS, A.REMOVE, id=sub.id)]
                if active
                else None,
                [
                    self.admin_button("👤 Perfil", S.USERS, A.VIEW, id=u.id, arg="sum"),
                    self.admin_button("⭐ Pagos", S.PAYMENTS, A.LIST, id=u.id),
                ],
                [self.admin_button("⬅️ Volver", S.SUBS, A.LIST, page=back_page, arg=back_filter)],
            ),
        )

    def extend_ask(self, *, sub: SubscriptionCard, maximum: int = 3650) -> Message:
        return self.message(
            "extend_ask",
            f"¿Cuántos días añado a la membresía de {b(person(sub.user.full_name))}?",
            f"Escriba un número de 1 a {maximum}. Se suman desde su fecha de término actual "
            f"({self.short(sub.ends_at)}), o desde hoy si ya concluyó.",
            keyboard=keyboard([self.cancel(S.SUBS)]),
        )

    def extended(self, *, sub: SubscriptionCard, days: int, new_end: datetime) -> Message:
        return self.message(
            "extended",
            self.pick("extended", ("Hecho.", "Como usted disponga.")),
            f"La membresía de {b(person(sub.user.full_name))} suma "
            f"{plural(days, 'día', 'días')} y concluye ahora el {b(self.when(new_end))}.",
            keyboard=keyboard(
                [self.admin_button("👑 Ver miembro", S.SUBS, A.VIEW, id=sub.id)],
                [self.back_to(S.VIP)],
            ),
        )

    def remove_confirm(self, *, sub: SubscriptionCard) -> Message:
        return self.message(
            "remove_confirm",
            f"¿Retiro a {b(person(sub.user.full_name))} del círculo ahora?",
            "Su membresía concluirá de inmediato y saldrá del Diván. Recibirá la despedida "
            "habitual. Esto no se puede deshacer (aunque siempre podrá volver con una nueva "
            "invitación).",
            keyboard=keyboard(
                [
                    self.admin_button("🚪 Sí, retirar", S.SUBS, A.REMOVE_OK, id=sub.id),
                    self.admin_button("No", S.SUBS, A.VIEW, id=sub.id),
                ]
            ),
        )

    def removed(
        self, *, sub: SubscriptionCard, from_channel: bool = True, vip_channel: bool = True
    ) -> Message:
        """``from_channel=False``: Telegram refused or failed (the cron retries until it
        works, and tells the custodians if it gets stuck); ``vip_channel=False``: no Diván
        is calibrated, so there was nothing to remove from and nothing is retried."""
        if from_channel:
            note = "Ha salido del Diván y he retirado sus enlaces personales."
        elif not vip_channel:
            note = (
                "Su membresía ha concluido. No hay ningún Diván calibrado, así que no había "
                "canal del que retirarle, y no lo intentaré más adelante. Si calibra el "
                "Diván y sigue dentro, retírele desde la sección Personas."
            )
        else:
            note = (
                "Su membresía ha concluido; sacarle del Diván no fue posible aún. Lo "
                "reintentaré en cada ronda hasta lograrlo, y le avisaré si se atasca."
            )
        return self.message(
            "removed",
            f"{b(person(sub.user.full_name))} ya no forma parte del círculo.",
            note,
            keyboard=keyboard([self.admin_button("👑 Miembros", S.SUBS, A.LIST, arg="active")]),
        )

    # -- plans --------------------------------------------------------------------------

    def plans(self, *, plans: Sequence[PlanCard], page: Page) -> Message:
        lines = [
            f"• {b(esc(p.name, 64))} · {p.days} días · {money(p.price, p.currency)}"
            + (f" · {stars(p.stars)}" if p.stars else "")
            + ("" if p.active else f" · {i('inactivo')}")
            for p in plans
        ]
        rows = [
            [
                self.admin_button(
                    ("" if p.active else "💤 ") + label_value(p.name, 40), S.PLANS, A.VIEW, id=p.id
                )
            ]
            for p in plans
        ]
        return self.paged(
            "plans",
            f"🗂 <b>Planes</b> ({page.total})",
            lines,
            "Aún no hay planes.",
            page,
            lambda n: self.cb(S.PLANS, A.LIST, page=n),
            above=rows,
            below=[[self.admin_button("➕ Nuevo plan", S.PLANS, A.NEW)], [self.back_to(S.VIP)]],
        )

    def plan(self, *, plan: PlanCard) -> Message:
        state = "activo" if plan.active else "inactivo (no se pueden emitir invitaciones)"
        return self.message(
            "plan",
            f"🗂 {b(esc(plan.name, 64))}",
            f"Duración: {b(plural(plan.days, 'día', 'días'))}\n"
            f"Precio: {b(money(plan.price, plan.currency))}\n"
            f"Con estrellas: {b(_in_bot(plan.stars))}\n"
            f"Estado: {state}",
            keyboard=keyboard(
                [
                    self.admin_button("✏️ Nombre", S.PLANS, A.EDIT, id=plan.id, arg="name"),
                    self.admin_button("✏️ Días", S.PLANS, A.EDIT, id=plan.id, arg="days"),
                ],
                [
                    self.admin_button("✏️ Precio", S.PLANS, A.EDIT, id=plan.id, arg="price"),
                    self.admin_button("✏️ Moneda", S.PLANS, A.EDIT, id=plan.id, arg="currency"),
                ],
                [self.admin_button("⭐ Estrellas", S.PLANS, A.EDIT, id=plan.id, arg="stars")],
                [
                    # arg: the state asked for, so a redelivered press cannot flip it back.
                    self.admin_button(
                        "💤 Desactivar" if plan.active else "✅ Activar",
                        S.PLANS,
                        A.TOGGLE,
                        id=plan.id,
                        arg="off" if plan.active else "on",
                    )
                ],
                [self.admin_button("🗑 Eliminar", S.PLANS, A.DELETE, id=plan.id)]
                if not plan.in_use
                else None,
                [self.admin_button("⬅️ Volver", S.PLANS, A.LIST)],
            ),
        )

    def plan_ask(
        self,
        *,
        field: PlanField,
        step: int | None = None,
        total: int | None = None,
        current: str | None = None,
    ) -> Message:
        """A create-wizard step (``step``/``total``) or an edit prompt (``current``)."""
        prompt = _PLAN_PROMPT[field].format(limit=PLAN_LIMITS[field])
        head = f"<i>Paso {step} de {total}</i>" if step and total else None
        if current is not None and field == "price":
            current = number(current)  # "19,99", as every price is shown
        now = f"Valor actual: {b(esc(current, 64))}" if current is not None else None
        return self.message(
            f"plan_ask_{field}", head, prompt, now, keyboard=keyboard([self.cancel(S.PLANS)])
        )

    def plan_confirm(self, *, draft: PlanDraft) -> Message:
        price = money(draft.price, draft.currency) if draft.price is not None else "—"
        return self.message(
            "plan_confirm",
            "¿Creo este plan?",
            f"Nombre: {b(esc(draft.name or '—', 64))}\n"
            f"Duración: {draft.days or '—'} días\n"
            f"Precio: {price}\n"
            f"Con estrellas: {_in_bot(draft.stars)}",
            keyboard=keyboard(
                [self.admin_button("✅ Crear", S.PLANS, A.SAVE), self.cancel(S.PLANS)]
            ),
        )

    def plan_saved(self, *, plan: PlanCard, created: bool) -> Message:
        verb = "creado" if created else "actualizado"
        return self.message(
            "plan_saved",
            f"Plan {b(esc(plan.name, 64))} {verb}: {plan.days} días · "
            f"{money(plan.price, plan.currency)}"
            + (f" · {stars(plan.stars)}" if plan.stars else "")
            + ".",
            keyboard=keyboard(
                [self.admin_button("🗂 Ver plan", S.PLANS, A.VIEW, id=plan.id)],
                [self.admin_button("🎟 Emitir invitaciones", S.TOKENS, A.ISSUE_PLAN, id=plan.id)]
                if plan.active
                else None,
            ),
        )

    def plan_toggled(self, *, plan: PlanCard) -> Alert:
        text = (
            "🎩 Plan activado: ya se pueden emitir invitaciones."
            if plan.active
            else "🎩 Plan desactivado: sus invitaciones pendientes ya no podrán canjearse."
        )
        return self.alert("plan_toggled", text)

    def plan_delete_confirm(self, *, plan: PlanCard) -> Message:
        return self.message(
            "plan_delete_confirm",
            f"¿Elimino el plan {b(esc(plan.name, 64))}? Nadie lo ha usado aún, así que "
            "no afecta a ningún miembro. Esto no se puede deshacer.",
            keyboard=keyboard(
                [
                    self.admin_button("🗑 Sí, eliminar", S.PLANS, A.DELETE_OK, id=plan.id),
                    self.admin_button("No", S.PLANS, A.VIEW, id=plan.id),
                ]
            ),
        )

    def plan_deleted(self, *, name: str) -> Message:
        return self.message(
            "plan_deleted",
            f"El plan {b(esc(name, 64))} ha sido eliminado.",
            keyboard=keyboard([self.admin_button("🗂 Planes", S.PLANS, A.LIST)]),
        )

    def plan_in_use(self) -> Alert:
        return self.alert(
            "plan_in_use",
            "🎩 Ese plan ya tiene invitaciones o miembros: no puedo eliminarlo, pero sí "
            "desactivarlo.",
            True,
        )
