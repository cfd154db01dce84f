"""Diagnostics for custodians: the periodic round's report and the dry-run plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import JobRunCard, PlannedAction
from lucien.voice.dates import short_datetime
from lucien.voice.limits import TEXT_LIMIT, chunk_blocks
from lucien.voice.markup import b, code, i, plural
from lucien.voice.markup import name as person
from lucien.voice.message import Message, keyboard
from lucien.voice.providers.base import Provider

#: Count keys a job may report in ``JobRunCard.counts``.
COUNTS: dict[str, str] = {
    "reminders": "avisos enviados",
    "expired": "membresías concluidas",
    "farewells": "despedidas",
    "removed": "retiradas del Diván",
    "links_revoked": "enlaces retirados",
    "approved": "solicitudes aprobadas",
    "closed": "solicitudes cerradas",
    "retried": "reintentos pendientes",
    "unreachable": "personas que no reciben mensajes",
    "failed": "tropiezos",
    # a dry run's heartbeat: what it would have done
    "would_remind": "avisos previstos",
    "would_expire": "retiradas previstas",
    "would_approve": "aprobaciones previstas",
}
_STATUS = {
    "ok": "✅ completa",
    "partial": "⚠️ parcial",
    "failed": "❌ interrumpida",
    "running": "⏳ en curso",
}
_PLANNED = {
    "remind": "avisar del final a",
    "expire": "concluir la membresía de",
    "remove": "retirar del Diván a",
    "approve": "abrir el Vestíbulo a",
    "revoke_link": "retirar el enlace personal de",
}


def _counts(run: JobRunCard) -> str:
    parts = [
        f"{COUNTS[k] if k in COUNTS else code(k, 32)}: {b(str(v))}"
        for k, v in run.counts.items()
        if v
    ]
    return " · ".join(parts) if parts else "nada que hacer"


def run_line(run: JobRunCard, tz: tzinfo) -> str:
    """One line about a run (used by the dashboard too)."""
    state = _STATUS.get(run.status, "⚠️")
    rehearsal = " · ensayo" if run.dry_run else ""
    return f"{short_datetime(run.started_at, tz)} · {state}{rehearsal}"


class DiagnosticsProvider(Provider):
    area = "diagnostics"

    def run_report(self, *, run: JobRunCard) -> Message:
        """A round's summary for the custodians (on demand, or after a dry run)."""
        trouble = (
            f"\n{i(plural(run.errors, 'tropiezo', 'tropiezos') + '; lo reintentaré más adelante.')}"
            if run.errors
            else ""
        )
        return self.message(
            "run_report",
            "🕰 <b>Ronda periódica</b>" + (" · 🧪 ensayo" if run.dry_run else ""),
            f"{run_line(run, self.voice.tz)}\n{_counts(run)}{trouble}",
            keyboard=keyboard([self.admin_button("📋 Resumen", S.DASHBOARD, A.OPEN)]),
        )

    def dry_run_plan(self, *, run: JobRunCard, actions: Sequence[PlannedAction]) -> list[Message]:
        """What a dry run would have done, person by person (several messages if long)."""
        lines = []
        for a in actions:
            when = f" ({self.short(a.when)})" if a.when else ""
            lines.append(
                f"• {_PLANNED.get(a.kind, 'atender a')} {b(person(a.user.full_name, 'sin nombre'))}"
                f" {code(a.user.id)}{when}"
            )
        head = "🧪 <b>Modo ensayo</b>: en esta ronda habría hecho lo siguiente, sin tocar nada."
        if not lines:
            return [self.message("dry_run_plan", head, i("Nada: todo estaba en orden."))]
        chunks = chunk_blocks(
            ["\n".join(lines[n : n + 20]) for n in range(0, len(lines), 20)], TEXT_LIMIT - 400
        )
        return [
            self.message(
                "dry_run_plan",
                head if n == 0 else None,
                chunk,
                _counts(run) if n == len(chunks) - 1 else None,
            )
            for n, chunk in enumerate(chunks)
        ]

    def dead_letter(self, *, letter_id: int, update_id: int, attempts: int, error: str) -> Message:
        """For the owner, once: an update kept failing and was set aside (a dead letter)."""
        return self.message(
            "dead_letter",
            "🕯 <b>Un recado que no logré cumplir</b>",
            f"Lo intenté {plural(attempts, 'vez', 'veces')} sin fortuna y lo he apartado, "
            "para no insistir en vano mientras los demás esperan. "
            f"Queda guardado con el número {b(str(letter_id))} "
            f"(actualización {code(update_id)}).",
            f"Lo último que ocurrió: {code(error, 300)}",
            i(
                "Cuando la causa esté resuelta, puedo retomarlo tal como llegó: "
                f"lucien dead-letters replay {letter_id}"
            ),
        )
