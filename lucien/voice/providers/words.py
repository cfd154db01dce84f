"""Shared Spanish labels: roles, categories, networks, rights, statuses."""

from __future__ import annotations

from lucien.voice.data import Category, Network, Right, Role

ROLE: dict[Role, str] = {
    Role.ADMIN: "custodia de la casa",
    Role.VIP: "miembro del círculo",
    Role.FREE: "visitante del jardín",
}
ROLE_EMOJI: dict[Role, str] = {Role.ADMIN: "🗝", Role.VIP: "👑", Role.FREE: "🌿"}
#: The name Lucien gives the Free channel's invite link when he has to create it.
FREE_LINK_NAME = "Vestíbulo"

CATEGORY: dict[Category, str] = {
    "FREE_CONTENT": "Jardín · contenido libre",
    "VIP_CONTENT": "Diván · contenido del círculo",
    "VIP_PREMIUM": "Diván · selección premium",
}
CATEGORY_SHORT: dict[Category, str] = {
    "FREE_CONTENT": "Jardín",
    "VIP_CONTENT": "Diván",
    "VIP_PREMIUM": "Premium",
}

NETWORK: dict[Network, str] = {"instagram": "Instagram", "tiktok": "TikTok", "x": "X"}
NETWORK_EMOJI: dict[Network, str] = {"instagram": "📸", "tiktok": "🎵", "x": "✖️"}

RIGHT: dict[Right, str] = {
    "invite": "invitar usuarios mediante enlaces",
    "restrict": "restringir y expulsar miembros",
    "post": "publicar mensajes",
}

CHANNEL: dict[str, str] = {"vip": "el Diván (canal VIP)", "free": "el Vestíbulo (canal Free)"}
CHANNEL_SHORT: dict[str, str] = {"vip": "Diván", "free": "Vestíbulo"}
#: For the start of a line ("Diván (canal VIP): …").
CHANNEL_TITLE: dict[str, str] = {"vip": "Diván (canal VIP)", "free": "Vestíbulo (canal Free)"}


def listing(items: list[str]) -> str:
    """``a``, ``a y b``, ``a, b y c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} y {items[-1]}"


def category(value: str) -> str:
    return CATEGORY.get(value, "Sin categoría")  # type: ignore[call-overload]


def role(value: str) -> str:
    return ROLE.get(value, "visitante")  # type: ignore[call-overload]
