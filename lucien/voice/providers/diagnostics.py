"""Diagnostics for custodians: the periodic round's report and the dry-run plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from aiogram.types import InlineKeyboardMarkup

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import CheckCard, JobRunCard, PlannedAction, ProfileReport
from lucien.voice.dates import short_datetime
from lucien.voice.limits import TEXT_LIMIT, chunk_blocks
from lucien.voice.markup import b, code, esc, i, plural
from lucien.voice.markup import name as person
from lucien.voice.message import Alert, Message, keyboard
from lucien.voice.providers import words
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

    # -- the diagnostics report (/run_tests, the panel's "Diagnóstico", lucien doctor) ------

    def running(self) -> Message:
        """While the checks run (a few seconds)."""
        return self.message(
            "running",
            "🩺 Reviso la casa de arriba abajo… un momento, por favor.",
        )

    def report(
        self,
        *,
        checks: Sequence[CheckCard],
        smoke: Sequence[CheckCard],
        pytest: CheckCard | None = None,
        duration_ms: float = 0.0,
        alerts_on: bool = True,
    ) -> Message:
        """Every live check and smoke test, one line each, with what to do when one fails."""
        everything = [*checks, *smoke, *([pytest] if pytest else [])]
        failing = [c for c in everything if not c.ok]
        head = "🩺 <b>Diagnóstico</b> · " + (
            "todo en orden"
            if not failing
            else plural(len(failing), "asunto", "asuntos") + " por revisar"
        )
        live = "\n".join(_check_line(c) for c in checks)
        rehearsals = "\n".join(_check_line(c) for c in smoke)
        footer = i(
            f"Revisado en {_seconds(duration_ms)}. Los ensayos usan datos ficticios que "
            "descarto al terminar: nadie recibe nada."
        )
        return self.message(
            "report",
            head,
            "<b>En vivo</b>\n" + live,
            ("<b>Ensayos</b>\n" + rehearsals) if smoke else None,
            _check_line(pytest) if pytest else None,
            footer,
            keyboard=report_keyboard(alerts_on=alerts_on),
        )

    def alerts_toggled(self, *, on: bool) -> Alert:
        return self.alert(
            "alerts_toggled",
            "🔔 Le avisaré cuando algo requiera su atención."
            if on
            else "🔕 Entendido: no le enviaré avisos. Los demás custodios seguirán recibiéndolos.",
        )

    def house_alert(self, *, kind: str, **facts: object) -> Message:
        """An operational alert to the custodians (at most once an hour per kind and cause)."""
        what, todo = _ALERTS.get(kind, ("Algo requiere su atención.", _ALERT_DEFAULT_TODO))
        values = {k: esc(v, 120) for k, v in facts.items()}
        try:
            body = _shared(what).format(**values)
        except (KeyError, IndexError):
            body = what.replace("{", "(").replace("}", ")")
        return self.message(
            "house_alert",
            "🚨 <b>Aviso de la casa</b>",
            body,
            i(todo),
            keyboard=keyboard(
                [self.admin_button("🩺 Diagnóstico", S.DIAGNOSTICS, A.OPEN)],
                [self.admin_button("🔕 No recibir avisos", S.DIAGNOSTICS, A.ALERTS, arg="off")],
            ),
        )

    # -- profiling (/profile) -------------------------------------------------------------

    def profile_armed(self, *, count: int) -> Message:
        if count == 0:
            return self.message(
                "profile_armed", "⏱ De acuerdo: dejo de cronometrar los próximos mensajes."
            )
        return self.message(
            "profile_armed",
            f"⏱ Cronometraré con detalle {b(plural(count, 'mensaje', 'mensajes'))} que lleguen "
            "a partir de ahora, atienda quien los atienda.",
            i(f"Después, {code('/profile')} le mostrará dónde se me va el tiempo."),
        )

    def profile_usage(self, *, maximum: int) -> Message:
        return self.message(
            "profile_usage",
            f"⏱ Indíqueme cuántos mensajes cronometrar, entre 1 y {maximum}: "
            f"por ejemplo {code('/profile 20')}. Sin número le muestro lo ya medido.",
        )

    def profile_report(self, *, report: ProfileReport) -> Message:
        if not report.profiled:
            body = i("Aún no he cronometrado ningún mensaje.")
        else:
            spots = "\n".join(
                f"• {code(fn, 80)} · {_millis(ms)}" for fn, ms in report.hot_spots
            ) or i("nada destacable")
            slow = "\n".join(
                f"• {code(handler, 60)} · hasta {_millis(ms)} ({plural(n, 'vez', 'veces')})"
                for handler, ms, n in report.slowest
            )
            body = f"<b>Donde se me va el tiempo</b>\n{spots}\n\n<b>Lo más lento</b>\n{slow}"
        left = plural(report.remaining, "mensaje", "mensajes")
        pending = f"\n\n{i(f'Quedan {left} por cronometrar.')}" if report.remaining else ""
        return self.message(
            "profile_report",
            "⏱ <b>Cronometraje</b> · "
            + plural(report.profiled, "mensaje medido", "mensajes medidos"),
            body + pending,
        )


def report_keyboard(*, alerts_on: bool) -> InlineKeyboardMarkup:
    """The report's buttons (also re-drawn alone when the alert switch is pressed)."""
    toggle = (
        Provider.admin_button("🔕 No recibir avisos", S.DIAGNOSTICS, A.ALERTS, arg="off")
        if alerts_on
        else Provider.admin_button("🔔 Recibir avisos", S.DIAGNOSTICS, A.ALERTS, arg="on")
    )
    markup = keyboard(
        [
            Provider.admin_button("🔄 Repetir", S.DIAGNOSTICS, A.OPEN),
            Provider.admin_button("🧪 Ensayo de la ronda", S.DIAGNOSTICS, A.REHEARSE),
        ],
        [toggle],
        [Provider.back_to(S.MAIN)],
    )
    assert markup is not None
    return markup


def _shared(text: str) -> str:
    """``@code`` at the start stands for the summary screen's warning of that code (one
    wording for one situation; imported late, the summary imports this module)."""
    if not text.startswith("@"):
        return text
    from lucien.voice.providers.dashboard import WARNINGS

    key, _, rest = text[1:].partition(" ")
    return (WARNINGS[key] + " " + rest).strip()


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s".replace(".", ",")


def _millis(ms: float | None) -> str:
    if ms is None:
        return ""
    return (f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms").replace(".", ",")


_LABELS: dict[str, str] = {
    "database": "🗄 Archivo",
    "schema": "📐 Orden del archivo",
    "redis": "⚡ Memoria rápida",
    "webhook": "📮 Buzón de Telegram",
    "identity": "🎩 Mi identidad en Telegram",
    "channel_vip": "👑 " + words.CHANNEL_TITLE["vip"],
    "channel_free": "🌿 " + words.CHANNEL_TITLE["free"],
    "cron": "🕰 Ronda periódica",
    "dead_letters": "📥 Asuntos que no pude resolver",
    "stuck_updates": "⏳ Asuntos atascados",
    "n_plus_one": "🐢 Consultas repetidas",
    "smoke_start": "🚪 Ensayo: una visita nueva",
    "smoke_redeem": "🎟 Ensayo: una invitación y el ritual",
    "smoke_cron": "🕰 Ensayo: la ronda periódica",
    "pytest": "🧪 Pruebas del código",
}

_PROBLEMS: dict[str, str] = {
    "unreachable": "no responde",
    "timeout": "no respondió a tiempo",
    "no_database": "sin revisar: el archivo no responde",
    "behind": "le faltan reformas: aplique las migraciones antes de servir",
    "down": "@redis_down",
    "url_mismatch": "no apunta a mi dirección pública",
    "updates_missing": (
        "no me entrega todo lo que atiendo: regístrelo de nuevo (lucien set-webhook)"
    ),
    "no_public_url": "falta la dirección pública (PUBLIC_URL)",
    "last_error": "Telegram tuvo un tropiezo al entregarme mensajes",
    "missing": "sin definir",
    "not_admin": "no soy administrador",
    "rights": "me faltan permisos",
    "never": "aún no se ha ejecutado nunca",
    "stale": "lleva demasiado tiempo sin ejecutarse",
    "failed": "no terminó bien",
    "present": "hay asuntos esperando",
    "stuck": "hay asuntos que no terminaron",
    "offenders": "hay respuestas que consultan el archivo demasiadas veces",
    "production": (
        "no se ejecutan en producción: crean y borran datos y sus herramientas no se instalan allí"
    ),
    "not_installed": "no están instaladas aquí",
    "available": "disponibles desde la consola",
}


def _facts(card: CheckCard) -> str:
    f = card.facts
    name = card.name
    bits: list[str] = []
    if name == "redis" and f.get("mode") == "database":
        bits.append("sin configurar; el archivo la sustituye")
    if name == "schema" and card.problem:
        bits.append(
            f"está en {code(f.get('current') or '—')}, se espera {code(f.get('head') or '—')}"
        )
    if name == "webhook":
        if card.problem == "url_mismatch":
            bits.append(
                f"apunta a {code(f.get('url') or '—')}, debería ser {code(f.get('expected'))}"
            )
        elif f.get("url"):
            bits.append(f"apunta a {code(f.get('url'))}")
        if f.get("missing_updates"):
            bits.append("no llegan " + ", ".join(code(u) for u in f["missing_updates"]))
        if f.get("pending"):
            bits.append(plural(int(f["pending"]), "mensaje en espera", "mensajes en espera"))
        if "last_error_minutes" in f:
            last = code(f.get("last_error"), 80)
            bits.append(f"último tropiezo hace {f['last_error_minutes']} min: {last}")
    if name == "identity" and f.get("username"):
        bits.append(code("@" + str(f["username"])))
    if name.startswith("channel_") and f.get("missing"):
        bits.append(words.listing([words.RIGHT.get(r, str(r)) for r in f["missing"]]))  # type: ignore[call-overload]
    if name == "cron":
        if "minutes" in f:
            bits.append(f"la última hace {f['minutes']} min")
        bits.append(f"debería pasar cada {f.get('every_minutes')} min")
    if name in ("dead_letters", "stuck_updates"):
        if f.get("available") is False:
            bits.append("sin registro en esta versión")
        elif f.get("count"):
            bits.append(b(str(f["count"])))
    if name == "n_plus_one":
        for o in f.get("offenders") or []:
            bits.append(
                f"{code(o.get('handler'), 60)} hasta {o.get('max_sql')} consultas "
                f"({plural(int(o.get('times') or 0), 'vez', 'veces')})"
            )
        bits.append(f"umbral {f.get('threshold')}")
    if name.startswith("smoke_") and card.problem:
        detail = f.get("detail") or f.get("error")
        if detail:
            bits.append(code(detail, 100))
    if name == "pytest":
        if card.problem == "available":
            bits.append(code("lucien doctor --pytest"))
        if f.get("summary"):
            bits.append(code(f["summary"], 100))
    return " · ".join(bits)


def _check_line(card: CheckCard) -> str:
    mark = "✅" if card.ok else "❌"
    if card.name == "pytest" and card.problem in ("production", "not_installed", "available"):
        mark = "➖"
    label = _LABELS.get(card.name, code(card.name, 32))
    parts = [f"{mark} {label}"]
    if card.problem:
        parts.append(_shared(_PROBLEMS.get(card.problem, code(card.problem, 32))))
    detail = _facts(card)
    if detail:
        parts.append(detail)
    if card.ms is not None and (card.ok or card.name.startswith("smoke_")):
        parts.append(_millis(card.ms))
    return " · ".join(parts)


_ALERT_DEFAULT_TODO = "Abra el diagnóstico para ver el estado de la casa."

#: kind → (what happened, what to do). ``{placeholders}`` come from the alert's facts.
_ALERTS: dict[str, tuple[str, str]] = {
    "dead_letters": (
        "Hay {count} mensajes apartados: tras varios intentos no pude atenderlos. "
        "El último lo atendía <code>{handler}</code>.",
        "Revise el diagnóstico; cuando la causa esté resuelta, pueden reintentarse.",
    ),
    "redis_fallback": (
        "@redis_down Nada se pierde, pero voy más despacio.",
        "Compruebe el servicio de memoria rápida de la instalación.",
    ),
    "cron_failed": (
        "La ronda periódica no terminó bien (pasos: {steps}).",
        "Abra el diagnóstico; la siguiente ronda lo reintentará.",
    ),
    "cron_stale": (
        "La ronda periódica lleva {minutes} minutos sin pasar.",
        "Compruebe que el servicio programado de la ronda sigue activo.",
    ),
    "payment_unmatched": (
        "{name} pagó {stars} estrellas con una factura que no reconozco: no le concedí "
        "ningún periodo.",
        "En Personas → su ficha → ⭐ Pagos puede devolverle las estrellas; o concédale el "
        "periodo con una invitación. Ya le dije que los custodios le escribirán.",
    ),
    "webhook_error": (
        "Telegram no consigue entregarme mensajes (hace {minutes} min, {pending} en espera): "
        "<code>{detail}</code>",
        "Compruebe que el servicio está en marcha y que el buzón apunta a su dirección.",
    ),
}
