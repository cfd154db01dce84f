"""Admin · broadcast: choose the channel, send the content, preview, confirm or cancel."""

from __future__ import annotations

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import ChannelKind
from lucien.voice.message import Message, keyboard
from lucien.voice.providers import words
from lucien.voice.providers.base import Provider

KIND: dict[str, str] = {
    "text": "un texto",
    "photo": "una foto",
    "video": "un vídeo",
    "document": "un documento",
    "animation": "una animación",
    "audio": "un audio",
    "voice": "una nota de voz",
    "album": "un álbum",
}


class BroadcastProvider(Provider):
    area = "broadcast"

    def choose(self, *, vip_ready: bool = True, free_ready: bool = True) -> Message:
        missing = [
            words.CHANNEL_SHORT[k] for k, ok in (("vip", vip_ready), ("free", free_ready)) if not ok
        ]
        note = (
            f"Sin canal definido: {', '.join(missing)} (se define en la calibración)."
            if missing
            else None
        )
        return self.message(
            "choose",
            "📣 <b>Difusión</b>",
            "¿A quién va dirigido el mensaje?",
            note,
            keyboard=keyboard(
                [self.admin_button("👑 Al Diván", S.BROADCAST, A.TARGET, arg="vip")]
                if vip_ready
                else None,
                [self.admin_button("🌿 Al Vestíbulo", S.BROADCAST, A.TARGET, arg="free")]
                if free_ready
                else None,
                [self.back_to(S.MAIN)],
            ),
        )

    def ask_content(self, *, target: ChannelKind) -> Message:
        return self.message(
            "ask_content",
            f"Envíeme el mensaje para {words.CHANNEL[target]}: texto, foto, vídeo o documento, "
            "con su formato. Se lo mostraré tal cual antes de publicarlo.",
            keyboard=keyboard([self.cancel(S.BROADCAST)]),
        )

    def preview_header(self, *, target: ChannelKind) -> Message:
        """Sent just before the copy that shows how the post will look."""
        return self.message("preview_header", f"Así se verá en {words.CHANNEL[target]}:")

    def confirm(self, *, target: ChannelKind, kind: str = "text") -> Message:
        """After the preview: publish or cancel."""
        return self.message(
            "confirm",
            f"¿Publico {KIND.get(kind, 'este mensaje')} en {words.CHANNEL[target]}?",
            keyboard=keyboard(
                [
                    self.admin_button("📣 Publicar", S.BROADCAST, A.SEND, arg=target),
                    self.cancel(S.BROADCAST),
                ]
            ),
        )

    def sent(self, *, target: ChannelKind) -> Message:
        return self.message(
            "sent",
            self.pick(
                "sent",
                (
                    f"Publicado en {words.CHANNEL[target]}.",
                    f"Hecho: {words.CHANNEL[target]} ya tiene su mensaje.",
                ),
            ),
            keyboard=keyboard(
                [self.admin_button("📣 Otra difusión", S.BROADCAST, A.OPEN)], [self.back_to(S.MAIN)]
            ),
        )

    def cancelled(self) -> Message:
        return self.message(
            "cancelled",
            "Difusión cancelada; no se ha publicado nada.",
            keyboard=keyboard([self.back_to(S.MAIN)]),
        )

    def failed(self, *, target: ChannelKind) -> Message:
        return self.message(
            "failed",
            f"No he podido publicar en {words.CHANNEL[target]}: ha surgido un inconveniente.",
            "Compruebe en la calibración que sigo siendo administrador con permiso para "
            "publicar mensajes, y vuelva a intentarlo.",
            keyboard=keyboard(
                [self.admin_button("🔍 Revisar canal", S.CONFIG, A.CHECK, arg=target)],
                [self.back_to(S.MAIN)],
            ),
        )

    def unsupported(self) -> Message:
        return self.message(
            "unsupported",
            "Ese tipo de mensaje no puedo publicarlo. Envíeme texto, foto, vídeo, documento, "
            "audio o animación.",
            keyboard=keyboard([self.cancel(S.BROADCAST)]),
        )

    def target_missing(self, *, target: ChannelKind) -> Message:
        return self.message(
            "target_missing",
            f"Aún no sé cuál es {words.CHANNEL[target]}. Defínalo en la calibración primero.",
            keyboard=keyboard(
                [self.admin_button("⚙️ Calibración", S.CONFIG, A.OPEN)], [self.back_to(S.MAIN)]
            ),
        )
