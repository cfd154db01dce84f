"""Admin · Telegram Stars: a member's payments, refunds, revenue; and the member's refund note.

Stars are whole numbers: shown as ``1.250 ⭐`` in lists and "1.250 estrellas" in prose
(:func:`stars`, :func:`stars_words`), with the Spanish thousands point as every number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiogram.types import InlineKeyboardButton

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import Page, PaymentCard, RevenueData, RevenueLine, UserCard
from lucien.voice.dates import MONTHS
from lucien.voice.markup import b, code, esc, i, label_value, number, plural
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, keyboard
from lucien.voice.providers.base import Provider


def stars(value: int) -> str:
    """``1.250 ⭐``"""
    return f"{number(value)} ⭐"


def stars_words(value: int) -> str:
    """``1 estrella``, ``1.250 estrellas``"""
    return f"{number(value)} {'estrella' if value == 1 else 'estrellas'}"


def month_name(label: str) -> str:
    """``2026-03`` → ``marzo de 2026`` (anything else comes back escaped)."""
    year, _, month = label.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return f"{MONTHS[int(month) - 1]} de {year}"
    return esc(label, 16)


_KIND = {"new": "entrada al círculo", "renewal": "renovación"}

_MEMBER_REFUND = (
    "{name}, Diana ha dispuesto devolverle {stars} por su plan {plan}.",
    "{name}, por indicación de Diana le he devuelto {stars} por su plan {plan}.",
)


def _totals(line: RevenueLine) -> str:
    return (
        f"Pagadas: {b(stars(line.stars))} · devueltas: {b(stars(line.refunded))} · "
        f"netas: {b(stars(line.net))}"
    )


class AdminPaymentsProvider(Provider):
    area = "admin_payments"

    # -- a member's payments --------------------------------------------------------------

    def member(
        self,
        *,
        user: UserCard,
        payments: Sequence[PaymentCard],
        page: Page,
        total: RevenueLine,
    ) -> Message:
        lines = [self._line(p) for p in payments]
        rows: list[list[InlineKeyboardButton] | None] = [
            [
                self.admin_button(
                    f"{'↩️' if p.refunded_at else '⭐'} {self.short_day(p.paid_at)} · "
                    f"{label_value(p.plan_name, 24)}",
                    S.PAYMENTS,
                    A.VIEW,
                    id=p.id,
                    page=page.page,
                )
            ]
            for p in payments
        ]
        summary = (
            f"{plural(total.payments, 'pago', 'pagos')} · {_totals(total)}"
            if total.payments
            else None
        )
        return self.message(
            "member",
            f"⭐ {b(person(user.full_name, 'sin nombre'))} · pagos en estrellas",
            summary,
            "\n".join(lines) if lines else i("Aún no ha pagado nada con estrellas."),
            self.page_line(page),
            keyboard=keyboard(
                *rows,
                self.pager(page, lambda n: self.cb(S.PAYMENTS, A.LIST, id=user.id, page=n)),
                [self.admin_button("⬅️ Volver al perfil", S.USERS, A.VIEW, id=user.id, arg="sum")],
            ),
        )

    def payment(self, *, payment: PaymentCard, back_page: int = 0) -> Message:
        p = payment
        if p.refunded_at is not None:
            state = f"devuelto el {self.when(p.refunded_at)}" + (
                f" · se restaron {plural(p.refunded_days, 'día', 'días')} a la membresía"
                if p.refunded_days
                else " · la membresía ya había concluido"
            )
        else:
            state = "pagado"
        who = (
            f"Número: {code(p.user_id)}"
            if p.user_id is not None
            else i("Los datos de quien pagó fueron borrados.")
        )
        return self.message(
            "payment",
            f"⭐ <b>Pago de {stars_words(p.stars)}</b>",
            f"Plan: {b(esc(p.plan_name, 64))} · {plural(p.days, 'día', 'días')}\n"
            f"Motivo: {_KIND.get(p.kind, 'entrada al círculo')}\n"
            f"Fecha: {self.when(p.paid_at)}\n"
            f"Estado: {state}\n{who}",
            keyboard=keyboard(
                [
                    self.admin_button(
                        "↩️ Devolver las estrellas", S.PAYMENTS, A.REFUND, id=p.id, page=back_page
                    )
                ]
                if p.refunded_at is None and p.user_id is not None
                else None,
                [self._back(p, back_page)],
            ),
        )

    def refund_confirm(self, *, payment: PaymentCard, back_page: int = 0) -> Message:
        p = payment
        return self.message(
            "refund_confirm",
            f"¿Devuelvo {b(stars_words(p.stars))} del plan {b(esc(p.plan_name, 64))}?",
            f"Telegram las devolverá a quien pagó, y su membresía perderá los "
            f"{plural(p.days, 'día', 'días')} de esta compra; si le quedan menos, concluirá "
            "ahora y saldrá del Diván. Le avisaré. Esto no se puede deshacer.",
            keyboard=keyboard(
                [
                    self.admin_button(
                        "↩️ Sí, devolver", S.PAYMENTS, A.REFUND_OK, id=p.id, page=back_page
                    ),
                    self.admin_button("No", S.PAYMENTS, A.VIEW, id=p.id, page=back_page),
                ]
            ),
        )

    def refunded(
        self,
        *,
        payment: PaymentCard,
        ends_at: datetime | None,
        ended: bool,
        already: bool = False,
        back_page: int = 0,
    ) -> Message:
        """The custodian's confirmation (``already``: an earlier press had done it)."""
        p = payment
        if already:
            head = f"Ese pago ya estaba devuelto: {b(stars_words(p.stars))}. No he tocado nada más."
            note = None
        else:
            head = f"Hecho: {b(stars_words(p.stars))} devueltas."
            if ended:
                note = (
                    "Le quedaban menos días de los comprados: su membresía ha concluido y "
                    "sale del Diván."
                )
            elif ends_at is not None and p.refunded_days:
                note = (
                    f"Su membresía pierde {plural(p.refunded_days, 'día', 'días')} y concluye "
                    f"ahora el {b(self.when(ends_at))}."
                )
            else:
                note = "Su membresía ya había concluido: no había días que restar."
        return self.message(
            "refunded",
            head,
            note,
            keyboard=keyboard(
                [self.admin_button("⭐ Ver el pago", S.PAYMENTS, A.VIEW, id=p.id, page=back_page)],
                [self._back(p, back_page)],
            ),
        )

    def refund_refused(self, *, payment: PaymentCard, reason: str, back_page: int = 0) -> Message:
        return self.message(
            "refund_refused",
            f"Telegram no ha aceptado devolver {b(stars_words(payment.stars))}.",
            f"Su respuesta: {code(reason, 200)}\nNo he cambiado nada: el pago y la membresía "
            "siguen como estaban.",
            keyboard=keyboard(
                [
                    self.admin_button(
                        "⭐ Ver el pago", S.PAYMENTS, A.VIEW, id=payment.id, page=back_page
                    )
                ]
            ),
        )

    def refund_anonymous(self) -> Alert:
        return self.alert(
            "refund_anonymous",
            "🎩 Los datos de quien pagó fueron borrados: ya no queda a quién devolverle las "
            "estrellas.",
            True,
        )

    def payment_gone(self) -> Alert:
        return self.alert("payment_gone", "🎩 No encuentro ese pago entre los registrados.")

    # -- revenue ----------------------------------------------------------------------------

    def revenue(self, *, data: RevenueData) -> Message:
        plans = [
            f"• {b(esc(line.label, 48))}: {plural(line.payments, 'pago', 'pagos')} · "
            f"{stars(line.net)} netas"
            + (f" ({stars(line.refunded)} devueltas)" if line.refunded else "")
            for line in data.by_plan
        ]
        if data.plans_more:
            plans.append(i(f"… y {plural(data.plans_more, 'plan más', 'planes más')}"))
        months = [
            f"• {month_name(line.label)}: {plural(line.payments, 'pago', 'pagos')} · "
            f"{stars(line.net)} netas"
            for line in data.by_month
        ]
        empty = not data.total.payments
        return self.message(
            "revenue",
            "⭐ <b>Ingresos en estrellas</b>",
            i("Aún nadie ha pagado con estrellas.")
            if empty
            else f"{plural(data.total.payments, 'pago', 'pagos')}\n{_totals(data.total)}",
            None if empty else "🗂 <b>Por plan</b>\n" + "\n".join(plans),
            None if empty else "📅 <b>Por mes</b>\n" + "\n".join(months),
            self.page_line(data.page),
            keyboard=keyboard(
                self.pager(data.page, lambda n: self.cb(S.PAYMENTS, A.OPEN, page=n)),
                [self.admin_button("⬅️ Volver", S.STATS, A.OPEN)],
            ),
        )

    # -- the member -------------------------------------------------------------------------

    def member_refunded(
        self, *, name: str, stars_back: int, plan_name: str, ends_at: datetime | None, ended: bool
    ) -> Message:
        """The member hears that their Stars went back, and what it means for their period."""
        head = self.say(
            "member_refunded",
            _MEMBER_REFUND,
            name=b(person(name)),
            stars=b(stars_words(stars_back)),
            plan=b(esc(plan_name, 64)),
        )
        if ended:
            note = (
                "Con ello concluye su estancia en el Diván. Si un día desea volver, "
                "la puerta del círculo seguirá aquí…"
            )
        elif ends_at is not None and ends_at > self.now():
            note = f"Su membresía sigue vigente hasta el {b(self.when(ends_at))}."
        else:
            note = "Las estrellas ya deberían figurar de nuevo en su cuenta de Telegram."
        return self.message("member_refunded", head, note, keyboard=keyboard([self.home_button()]))

    # -- helpers ------------------------------------------------------------------------------

    def _line(self, p: PaymentCard) -> str:
        refunded = f" · {i('devuelto')}" if p.refunded_at else ""
        return (
            f"• {self.short_day(p.paid_at)} · {b(esc(p.plan_name, 48))} · "
            f"{stars(p.stars)}{refunded}"
        )

    def _back(self, p: PaymentCard, back_page: int) -> InlineKeyboardButton:
        if p.user_id is None:
            return self.admin_button("⬅️ Volver", S.PAYMENTS, A.OPEN)
        return self.admin_button("⬅️ Volver", S.PAYMENTS, A.LIST, id=p.user_id, page=back_page)
