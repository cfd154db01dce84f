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


def number(value: Decimal | int | float | str, *, decimals: int | None = None) -> str:
    """Spanish convention: ``1.234,5`` (point for thousands, comma for decimals).

    A string that is not a number comes back unchanged (plain text: escape it to show it).
    """
    try:
        exact = Decimal(str(value).strip())
    except ArithmeticError:
        return str(value)
    if not exact.is_finite():
        return str(value)
    if decimals is not None:
        exact = exact.quantize(Decimal(1).scaleb(-decimals))
    text = f"{exact:,f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def money(amount: Decimal | int | float | None, currency: str = "USD") -> str:
    """``19,99 USD``, ``1.250 MXN``; ``None`` or zero is ``gratuito``."""
    if amount is None or Decimal(str(amount)) == 0:
        return "gratuito"
    text = number(Decimal(str(amount)), decimals=2)
    if text.endswith(",00"):
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
