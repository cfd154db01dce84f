"""Expiry and removal: the farewell, intruders in the Diván, the admins' notices."""

from __future__ import annotations

from datetime import datetime

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.voice.data import UserCard
from lucien.voice.markup import b, code, esc, tme
from lucien.voice.markup import name as person
from lucien.voice.message import Message, keyboard, url_button
from lucien.voice.providers.admin_interests import chat_url
from lucien.voice.providers.base import Provider

_FAREWELL = (
    "{name}, su tiempo en el Diván ha concluido. Ha sido un placer tenerle cerca.",
    "{name}… la puerta del Diván se cierra hoy para usted. Diana agradece cada momento compartido.",
    (
        0.7,
        "Ha llegado el final de su estancia en el círculo, {name}. Gracias por su "
        "discreción y su compañía.",
    ),
)


class ExpiryProvider(Provider):
    area = "expiry"

    def farewell(
        self, *, name: str, ended_at: datetime, creator_username: str | None = None
    ) -> Message:
        """To the member when the membership ends (they leave the VIP channel)."""
        url = tme(creator_username)
        return self.message(
            "farewell",
            self.say("farewell", _FAREWELL, name=b(person(name))),
            f"Su membresía concluyó el {b(self.when(ended_at))} y he retirado su acceso al Diván.",
            "La puerta no queda cerrada para siempre: con una nueva invitación, volverá a "
            "abrirse. Mientras tanto, el jardín sigue siendo suyo.",
            keyboard=keyboard(
                [url_button("💬 Escribir a Diana", url)] if url else None,
                [self.home_button("🌿 Ir al jardín")],
            ),
        )

    def intruder(self) -> Message:
        """To someone who entered the Diván without a membership (e.g. a shared link)."""
        return self.message(
            "intruder",
            "Ese enlace no era para usted… El Diván solo admite a quienes forman parte del "
            "círculo, así que le he acompañado a la salida.",
            "Si desea entrar de verdad, el círculo está a un «Me interesa» de distancia.",
            keyboard=keyboard([self.home_button()]),
        )

    def unauthorized_join(self, *, user: UserCard, removed: bool = True) -> Message:
        """To the admins: someone joined the VIP channel without an active membership."""
        handle = f" (@{esc(user.username, 40)})" if user.username else ""
        outcome = (
            "Ya le he retirado del canal. Probablemente recibió un enlace compartido."
            if removed
            else "No he podido retirarle: Telegram no me lo permite, así que sigue dentro. "
            "Revise en la calibración que sigo siendo administrador del Diván con permiso "
            "para restringir miembros, y retírele a mano; yo no volveré a intentarlo."
        )
        return self.message(
            "unauthorized_join",
            "⚠️ Alguien ha entrado al Diván sin membresía.",
            f"Quién: {b(person(user.full_name, 'sin nombre'))}{handle} · {code(user.id)}",
            outcome,
            keyboard=keyboard(
                [
                    url_button("💬 Abrir chat", chat_url(user.id)),
                    self.admin_button("👤 Perfil", S.USERS, A.VIEW, id=user.id, arg="sum"),
                ],
                None
                if removed
                else [self.admin_button("🔍 Revisar el Diván", S.CONFIG, A.CHECK, arg="vip")],
            ),
        )

    def removal_stuck(self, *, user: UserCard, attempts: int) -> Message:
        """To the admins: removing an expired member keeps failing."""
        return self.message(
            "removal_stuck",
            f"⚠️ No consigo retirar del Diván a {b(person(user.full_name, 'sin nombre'))} "
            f"({code(user.id)}) tras {attempts} intentos.",
            "Revise en la calibración que sigo siendo administrador del canal con permiso "
            "para restringir miembros.",
            keyboard=keyboard(
                [self.admin_button("🔍 Revisar el Diván", S.CONFIG, A.CHECK, arg="vip")]
            ),
        )
