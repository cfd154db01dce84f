"""Admin · calibration: channels (with the rights check), zone, reminders, creator, dry run."""

from __future__ import annotations

from typing import Literal

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice import dates
from lucien.voice.data import ChannelCard, ChannelKind, ConfigCard
from lucien.voice.markup import b, code, esc, i
from lucien.voice.message import Message, keyboard
from lucien.voice.providers import words
from lucien.voice.providers.base import Provider


def _hours(offsets: tuple[int, ...] | list[int]) -> str:
    return words.listing([f"{h} h" for h in offsets]) or "ninguno"


#: The calibration switches, and what each says when turned on and when turned off.
Switch = Literal["dry_run", "notify_joins"]
_SWITCHED: dict[Switch, tuple[str, str]] = {
    "dry_run": (
        "🧪 Modo ensayo activado: en cada ronda le contaré lo que haría (avisos, "
        "retiradas, aprobaciones) sin tocar nada en los canales.",
        "Modo ensayo desactivado: vuelvo a actuar de verdad en cada ronda.",
    ),
    "notify_joins": (
        "Le avisaré cada vez que alguien entre al Diván sin membresía, y me encargaré "
        "de que salga.",
        "Seguiré retirando a quien entre al Diván sin membresía, pero sin avisarle.",
    ),
}


class AdminConfigProvider(Provider):
    area = "admin_config"

    def _asking(self, name: str, *parts: str | None) -> Message:
        """A calibration question: "Cancelar" returns to Calibración."""
        return self.message(name, *parts, keyboard=keyboard([self.cancel(S.CONFIG)]))

    def _settled(self, name: str, *parts: str | None) -> Message:
        """A calibration setting saved: "Volver" returns to Calibración."""
        return self.message(name, *parts, keyboard=keyboard([self.back_to(S.CONFIG)]))

    def _channel_line(self, channel: ChannelCard) -> str:
        label = words.CHANNEL_TITLE[channel.kind]
        if channel.chat_id is None:
            return f"{label}: {i('sin definir')}"
        title = b(esc(channel.title, 64)) if channel.title else code(channel.chat_id)
        state = " ✅" if channel.is_admin and not channel.missing else " ⚠️"
        return f"{label}: {title}{state}"

    def menu(self, *, config: ConfigCard) -> Message:
        c = config
        creator = f"@{esc(c.creator_username, 40)}" if c.creator_username else i("sin definir")
        return self.message(
            "menu",
            "⚙️ <b>Calibración</b>",
            f"{self._channel_line(c.vip)}\n{self._channel_line(c.free)}\n"
            f"Zona horaria: {code(c.timezone, 64)}\n"
            f"Avisos antes del final: {_hours(c.reminder_offsets)}\n"
            f"Usuario de Diana: {creator}\n"
            f"Modo ensayo: {b('activado') if c.dry_run else 'desactivado'}\n"
            f"Avisar de entradas sin invitación: {'sí' if c.notify_unauthorized_joins else 'no'}",
            keyboard=keyboard(
                [
                    self.admin_button("👑 Canal del Diván", S.CONFIG, A.CHANNEL, arg="vip"),
                    self.admin_button("🌿 Canal del Vestíbulo", S.CONFIG, A.CHANNEL, arg="free"),
                ],
                [
                    self.admin_button("🔍 Revisar Diván", S.CONFIG, A.CHECK, arg="vip"),
                    self.admin_button("🔍 Revisar Vestíbulo", S.CONFIG, A.CHECK, arg="free"),
                ],
                [
                    self.admin_button("🕰 Zona horaria", S.CONFIG, A.TIMEZONE),
                    self.admin_button("⏰ Avisos", S.CONFIG, A.OFFSETS),
                ],
                [self.admin_button("🌸 Usuario de Diana", S.CONFIG, A.CREATOR)],
                [
                    self.admin_button(
                        "🧪 Desactivar ensayo" if c.dry_run else "🧪 Activar ensayo",
                        S.CONFIG,
                        A.DRY_RUN,
                    ),
                    self.admin_button(
                        "🔕 No avisar entradas"
                        if c.notify_unauthorized_joins
                        else "🔔 Avisar entradas",
                        S.CONFIG,
                        A.NOTIFY_JOINS,
                    ),
                ],
                [self.back_to(S.MAIN)],
            ),
        )

    def channel_ask(self, *, kind: ChannelKind) -> Message:
        return self._asking(
            "channel_ask",
            f"¿Cuál es {words.CHANNEL[kind]}?",
            "Reenvíeme cualquier publicación del canal, o escriba su número (empieza por "
            f"{code('-100')}) o su {code('@nombre')} si es público.",
            "Antes, añádame al canal como administrador con permiso para invitar usuarios, "
            "restringir miembros y publicar mensajes.",
        )

    def channel_report(self, *, channel: ChannelCard, saved: bool = False) -> Message:
        """The rights check: says exactly which rights are missing (if any)."""
        label = words.CHANNEL_TITLE[channel.kind]
        title = b(esc(channel.title, 64)) if channel.title else code(channel.chat_id)
        head = f"{label}: queda asociado a {title}." if saved else f"{label}: {title}."
        if not channel.is_admin:
            verdict = (
                "⚠️ No soy administrador de ese canal, así que no puedo custodiarlo. "
                "Nómbreme administrador con permiso para invitar usuarios, restringir "
                "miembros y publicar mensajes, y vuelva a revisarlo."
            )
        elif channel.missing:
            missing = "\n".join(f"• {words.RIGHT[r]}" for r in channel.missing)
            verdict = (
                "⚠️ Soy administrador, pero me faltan estos permisos:\n"
                f"{missing}\n"
                "Concédamelos en la configuración del canal y vuelva a revisarlo."
            )
        else:
            verdict = "✅ Tengo todos los permisos que necesito. Todo en orden."
        return self.message(
            "channel_report",
            head,
            verdict,
            keyboard=keyboard(
                [self.admin_button("🔍 Revisar de nuevo", S.CONFIG, A.CHECK, arg=channel.kind)]
                if not channel.is_admin or channel.missing
                else None,
                [self.back_to(S.CONFIG)],
            ),
        )

    def channel_not_found(self, *, kind: ChannelKind, value: str) -> Message:
        return self._asking(
            "channel_not_found",
            f"No logro encontrar el canal {code(value, 64)}, o no tengo acceso a él.",
            "Compruebe que me ha añadido como administrador y vuelva a enviármelo, "
            "o reenvíeme una publicación del canal.",
        )

    def channel_not_a_channel(self) -> Message:
        return self._asking(
            "channel_not_a_channel",
            "Eso no es un canal. Necesito un canal de Telegram (no un grupo ni una persona).",
        )

    def channel_taken(self, *, kind: ChannelKind) -> Message:
        """The chat given is already the other channel (one chat cannot be both)."""
        other = "free" if kind == "vip" else "vip"
        return self._asking(
            "channel_taken",
            f"Ese canal ya es {words.CHANNEL[other]}. Un mismo canal no puede ser ambos: "
            f"necesito otro distinto para {words.CHANNEL[kind]}.",
            "Reenvíeme una publicación del canal correcto, o escriba su número o su "
            f"{code('@nombre')}.",
        )

    def _there(self, timezone: str) -> str:
        """The date and time it is now in ``timezone`` (shown so the zone can be checked)."""
        return b(dates.long_datetime(self.now(), dates.zone(timezone)))

    def timezone_ask(self, *, current: str) -> Message:
        return self._asking(
            "timezone_ask",
            f"Ahora muestro las fechas en {code(current, 64)} (allí es {self._there(current)}).",
            f"Escriba la zona horaria nueva, por ejemplo {code('America/Mexico_City')}, "
            f"{code('America/Bogota')} o {code('Europe/Madrid')}.",
        )

    def timezone_set(self, *, timezone: str) -> Message:
        return self._settled(
            "timezone_set",
            f"Desde ahora las fechas se muestran en {code(timezone, 64)}: "
            f"allí es {self._there(timezone)}.",
        )

    def offsets_ask(
        self, *, current: tuple[int, ...], max_count: int = 5, max_hours: int = 720
    ) -> Message:
        return self._asking(
            "offsets_ask",
            f"Ahora aviso a los miembros {_hours(current)} antes de que concluya su membresía.",
            f"Escriba las horas separadas por comas (hasta {max_count} avisos, de 1 a "
            f"{max_hours} horas cada uno), por ejemplo {code('72,24')}.",
        )

    def offsets_set(self, *, offsets: tuple[int, ...]) -> Message:
        return self._settled(
            "offsets_set", f"Entendido: avisaré {b(_hours(offsets))} antes del final."
        )

    def creator_ask(self, *, current: str | None = None) -> Message:
        return self._asking(
            "creator_ask",
            "¿Cuál es el usuario de Telegram de Diana? Lo uso para el botón «Escribir a Diana».",
            f"Ahora: @{esc(current, 40)}" if current else None,
        )

    def creator_set(self, *, username: str | None) -> Message:
        text = (
            f"Anotado: los botones «Escribir a Diana» llevarán a @{esc(username, 40)}."
            if username
            else "Ya no mostraré el botón «Escribir a Diana»."
        )
        return self._settled("creator_set", text)

    def switch_set(self, *, switch: Switch, on: bool) -> Message:
        """A calibration switch turned on or off (the message is ``<switch>_set``)."""
        turned_on, turned_off = _SWITCHED[switch]
        text = turned_on if on else turned_off
        return self._settled(f"{switch}_set", text)
