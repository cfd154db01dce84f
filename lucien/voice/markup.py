"""Small Telegram-HTML helpers: every value a person typed goes through :func:`esc`."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from lucien.voice.limits import shorten

NAME_LIMIT = 48
LABEL_VALUE_LIMIT = 32


def esc(value: object, limit: int | None = None) -> str:
    """Escape a value for Telegram HTML (``&``, ``<``, ``>`` and quotes).

    ``limit`` first shortens the raw value (so the cut never lands inside an entity).
    """
    text = "" if value is None else str(value)
    if limit is not None:
        text = shorten(text, limit)
    return html.escape(text, quote=True)


def name(value: str | None, fallback: str = "visitante") -> str:
    """A person's name, escaped, shortened and never empty."""
    clean = " ".join((value or "").split())
    return esc(clean or fallback, NAME_LIMIT)


def b(text: str) -> str:
    return f"<b>{text}</b>"


def i(text: str) -> str:
    return f"<i>{text}</i>"


def code(value: object, limit: int | None = None) -> str:
    return f"<code>{esc(value, limit)}</code>"


def link(url: str, label: str) -> str:
    """An ``<a>``: ``label`` must already be escaped HTML."""
    return f'<a href="{html.escape(url, quote=True)}">{label}</a>'


def username(value: str | None) -> str:
    """``@user`` escaped, or an empty string."""
    if not value:
        return ""
    return "@" + esc(value.lstrip("@"), 40)


def label_value(value: str | None, limit: int = LABEL_VALUE_LIMIT) -> str:
    """A person-typed value placed in a button label (plain text, shortened)."""
    clean = " ".join((value or "").split())
    return shorten(clean, limit) if clean else "—"


def money(amount: Decimal | int | float | None, currency: str = "USD") -> str:
    """``19.99 USD``; ``None`` or zero is ``gratuito``."""
    if amount is None or Decimal(str(amount)) == 0:
        return "gratuito"
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text} {esc(currency, 8)}"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


def tme(username: str | None) -> str | None:
    """``https://t.me/<username>`` for a valid Telegram username, else ``None``."""
    handle = (username or "").strip().lstrip("@")
    return f"https://t.me/{handle}" if _USERNAME.match(handle) else None


def safe_url(url: str | None) -> str | None:
    """Keep only ``https://``/``http://``/``tg://`` links without spaces (for URL buttons)."""
    value = (url or "").strip()
    if not value or len(value) > 512 or any(ch.isspace() for ch in value):
        return None
    return value if value.startswith(("https://", "http://", "tg://")) else None
