"""Keyboards shared by several providers (member menus, admin home)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.callbacks import (
    AdminAction,
    AdminCB,
    AdminSection,
    FreeAction,
    FreeCB,
    VipAction,
    VipCB,
)
from lucien.voice.data import SocialLinks
from lucien.voice.markup import safe_url
from lucien.voice.message import button, columns, keyboard, url_button
from lucien.voice.providers import words


def vip_menu() -> InlineKeyboardMarkup:
    markup = keyboard(
        [button("🗝 Contenido del Diván", VipCB(action=VipAction.CONTENT))],
        [
            button("📜 Mi membresía", VipCB(action=VipAction.STATUS)),
            button("🔁 Cómo renovar", VipCB(action=VipAction.RENEW)),
        ],
    )
    assert markup is not None
    return markup


def free_menu(has_social: bool = True) -> InlineKeyboardMarkup:
    markup = keyboard(
        [button("🌿 Contenido del jardín", FreeCB(action=FreeAction.CONTENT))],
        [button("👑 El círculo de Diana", FreeCB(action=FreeAction.CIRCLE))],
        [button("📸 Diana en redes", FreeCB(action=FreeAction.SOCIAL))] if has_social else None,
    )
    assert markup is not None
    return markup


_ADMIN_HOME = (
    ("📋 Resumen", AdminSection.DASHBOARD),
    ("👑 Círculo VIP", AdminSection.VIP),
    ("🌿 Jardín Free", AdminSection.FREE),
    ("🎁 Catálogo", AdminSection.CONTENT),
    ("✨ Intereses", AdminSection.INTERESTS),
    ("👥 Personas", AdminSection.USERS),
    ("⚙️ Calibración", AdminSection.CONFIG),
    ("📊 Observaciones", AdminSection.STATS),
    ("📣 Difusión", AdminSection.BROADCAST),
    ("🩺 Diagnóstico", AdminSection.DIAGNOSTICS),
)


def admin_home() -> InlineKeyboardMarkup:
    buttons = [
        button(label, AdminCB(section=section, action=AdminAction.OPEN))
        for label, section in _ADMIN_HOME
    ]
    markup = keyboard(*columns(buttons, 2))
    assert markup is not None
    return markup


def social_buttons(links: SocialLinks) -> list[InlineKeyboardButton]:
    """One URL button per configured network (invalid links are left out)."""
    out: list[InlineKeyboardButton] = []
    for network, url in links.items():
        safe = safe_url(url)
        if safe:
            label = f"{words.NETWORK_EMOJI[network]} {words.NETWORK[network]}"
            out.append(url_button(label, safe))
    return out
