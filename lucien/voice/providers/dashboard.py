"""Admin · the summary: what is configured and missing, numbers, last round, warnings."""

from __future__ import annotations

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import ChannelCard, DashboardData
from lucien.voice.markup import b, code, i
from lucien.voice.message import Message, keyboard
from lucien.voice.providers import words
from lucien.voice.providers.base import Provider
from lucien.voice.providers.diagnostics import run_line

#: Warning codes a service may put in ``DashboardData.warnings``.
WARNINGS: dict[str, str] = {
    "cron_never": "La ronda periódica aún no se ha ejecutado nunca.",
    "cron_stale": "La ronda periódica lleva demasiado tiempo sin ejecutarse.",
    "cron_failed": "La última ronda periódica no terminó bien.",
    "removals_stuck": "Hay miembros concluidos que no consigo retirar del Diván.",
    "approvals_stuck": "Hay solicitudes del Vestíbulo que no consigo aprobar.",
    "no_plans": "No hay planes activos: no se pueden emitir invitaciones.",
    "dry_run": "El modo ensayo está activado: las rondas no tocan los canales.",
    "unreachable_admins": "Alguien de la custodia me ha bloqueado y no recibe avisos.",
    "redis_down": "La memoria rápida no responde; trabajo con la de respaldo.",
    "vip_channel_missing": "El Diván aún no está definido: las invitaciones no llevan a nada.",
    "free_channel_missing": "El Vestíbulo aún no está definido: no puedo atender solicitudes.",
    "vip_channel_rights": "En el Diván me faltan permisos para cuidar la puerta.",
    "free_channel_rights": "En el Vestíbulo me faltan permisos para abrir la puerta.",
}


def _channel(channel: ChannelCard) -> str:
    label = words.CHANNEL_TITLE[channel.kind]
    if channel.chat_id is None:
        return f"❌ {label}: sin definir"
    if not channel.is_admin:
        return f"⚠️ {label}: no soy administrador"
    if channel.missing:
        lacking = words.listing([words.RIGHT[r] for r in channel.missing])
        return f"⚠️ {label}: me falta permiso para {lacking}"
    return f"✅ {label}"


class DashboardProvider(Provider):
    area = "dashboard"

    def dashboard(self, *, data: DashboardData) -> Message:
        c = data.config
        setup = [
            _channel(c.vip),
            _channel(c.free),
            ("✅" if data.plans_active else "❌") + f" Planes activos: {data.plans_active}",
            ("✅" if c.social.items() else "➖")
            + " Redes de Diana"
            + ("" if c.social.items() else ": sin definir"),
            ("✅" if c.creator_username else "➖")
            + " Usuario de Diana"
            + ("" if c.creator_username else ": sin definir"),
            ("✅" if c.free_invite_link else "➖")
            + " Enlace del Vestíbulo"
            + ("" if c.free_invite_link else ": sin definir"),
        ]
        numbers = (
            f"👑 Miembros vigentes: {b(str(data.vip_active))} "
            f"(vencen en 7 días: {b(str(data.vip_expiring_7d))})\n"
            f"🌿 Solicitudes en espera: {b(str(data.free_pending))} "
            f"(listas: {b(str(data.free_ready))})\n"
            f"🎟 Invitaciones sin usar: {b(str(data.tokens_unused))}\n"
            f"✨ Intereses sin atender: {b(str(data.interests_pending))}"
        )
        last = (
            f"🕰 Última ronda: {run_line(data.last_run, self.voice.tz)}"
            if data.last_run
            else f"🕰 Última ronda: {i('ninguna todavía')}"
        )
        if data.last_rehearsal:
            last += f"\n🧪 Último ensayo: {run_line(data.last_rehearsal, self.voice.tz)}"
        warnings = [
            "⚠️ " + (WARNINGS[w] if w in WARNINGS else f"Asunto por revisar: {code(w, 40)}")
            for w in data.warnings
        ]
        if c.dry_run and "dry_run" not in data.warnings:
            warnings.append("⚠️ " + WARNINGS["dry_run"])
        return self.message(
            "dashboard",
            "📋 <b>Resumen</b>",
            "\n".join(setup),
            numbers,
            last,
            "\n".join(warnings) if warnings else "Nada requiere su atención. Todo en orden.",
            keyboard=keyboard(
                [
                    self.admin_button("🔄 Actualizar", S.DASHBOARD, A.OPEN),
                    self.admin_button("⚙️ Calibración", S.CONFIG, A.OPEN),
                ],
                [self.back_to(S.MAIN)],
            ),
        )
