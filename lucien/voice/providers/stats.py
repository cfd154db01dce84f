"""Admin · observations (statistics)."""

from __future__ import annotations

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import StatsData
from lucien.voice.dates import duration
from lucien.voice.markup import b, number
from lucien.voice.message import Message, keyboard
from lucien.voice.providers.base import Provider

_KIND = {
    "FREE_CONTENT": "Jardín",
    "VIP_CONTENT": "Diván",
    "VIP_PREMIUM": "Premium",
    "circle": "Entrar al círculo",
}


def _n(value: int) -> str:
    return b(number(value))


class StatsProvider(Provider):
    area = "stats"

    def overview(self, *, data: StatsData) -> Message:
        d = data
        wait = duration(d.free_avg_wait_minutes) if d.free_avg_wait_minutes is not None else "—"
        by_kind = " · ".join(
            f"{_KIND.get(k, 'Otros')}: {_n(v)}" for k, v in d.interests_by_category.items()
        )
        return self.message(
            "overview",
            "📊 <b>Observaciones</b>",
            "👑 <b>El círculo</b>\n"
            f"Vigentes: {_n(d.vip_active)} · concluidos: {_n(d.vip_expired)} · "
            f"vencen en 7 días: {_n(d.vip_expiring_7d)}\n"
            f"Nuevos: {_n(d.vip_new_1d)} en 24 h · {_n(d.vip_new_7d)} en 7 días · "
            f"{_n(d.vip_new_30d)} en 30 días",
            "🎟 <b>Invitaciones</b>\n"
            f"Emitidas: {_n(d.tokens_issued)} · canjeadas: {_n(d.tokens_used)} · "
            f"vencidas: {_n(d.tokens_expired)} · revocadas: {_n(d.tokens_revoked)} · "
            f"disponibles: {_n(d.tokens_available)}",
            "🌿 <b>El jardín</b>\n"
            f"En espera: {_n(d.free_pending)} · aprobadas: {_n(d.free_approved)} · "
            f"espera media: {b(wait)}",
            "✨ <b>Intereses</b>\n"
            f"En total: {_n(d.interests_total)} · sin atender: {_n(d.interests_pending)} · "
            f"atendidos: {_n(d.interests_attended)}" + (f"\n{by_kind}" if by_kind else ""),
            "⭐ <b>Estrellas</b>\n"
            f"Pagos: {_n(d.payments)} · pagadas: {_n(d.stars_paid)} · "
            f"devueltas: {_n(d.stars_refunded)} · en 30 días: {_n(d.stars_paid_30d)}",
            keyboard=keyboard(
                [
                    self.admin_button("🔄 Actualizar", S.STATS, A.OPEN),
                    self.admin_button("⭐ Ingresos", S.PAYMENTS, A.OPEN),
                ],
                [self.back_to(S.MAIN)],
            ),
        )
