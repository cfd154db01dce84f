"""What a provider returns: a :class:`Message` (HTML text + keyboard) or an :class:`Alert`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from lucien.voice.limits import ALERT_LIMIT, BUTTON_LABEL_LIMIT, shorten, utf16_len

Speaker = Literal["lucien", "diana"]

LUCIEN_SIGNATURE = "🎩 <b>Lucien:</b>"
DIANA_SIGNATURE = "🌸 <b>Diana:</b>"

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Message:
    """A message in Telegram HTML with its inline keyboard (if any).

    ``key`` names the message (``"menus.vip"``) for previews and logs; ``speaker`` is
    ``"diana"`` only for the note she signs herself.
    """

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    key: str = field(default="", compare=False)
    speaker: Speaker = field(default="lucien", compare=False)

    def as_send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send_message`` / ``answer`` / ``edit_text``."""
        return {
            "text": self.text,
            "reply_markup": self.keyboard,
            "parse_mode": "HTML",
            "link_preview_options": _NO_PREVIEW,
        }

    as_edit_kwargs = as_send_kwargs

    @property
    def buttons(self) -> list[InlineKeyboardButton]:
        if self.keyboard is None:
            return []
        return [button for row in self.keyboard.inline_keyboard for button in row]


@dataclass(frozen=True)
class Alert:
    """A callback-query answer: plain text, at most 200 characters."""

    text: str
    show_alert: bool = False
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if utf16_len(self.text) > ALERT_LIMIT:
            object.__setattr__(self, "text", shorten(self.text, ALERT_LIMIT))

    def as_answer_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``CallbackQuery.answer``."""
        return {"text": self.text, "show_alert": self.show_alert}


def button(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=shorten(label, BUTTON_LABEL_LIMIT), callback_data=data.pack())


def url_button(label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=shorten(label, BUTTON_LABEL_LIMIT), url=url)


Row = Sequence[InlineKeyboardButton]


def keyboard(*rows: Row | None) -> InlineKeyboardMarkup | None:
    """Build a keyboard from rows; ``None`` and empty rows are skipped."""
    kept = [list(row) for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=kept) if kept else None


def columns(
    buttons: Iterable[InlineKeyboardButton], width: int
) -> list[list[InlineKeyboardButton]]:
    """Lay buttons out ``width`` per row."""
    rows: list[list[InlineKeyboardButton]] = []
    for item in buttons:
        if not rows or len(rows[-1]) >= width:
            rows.append([])
        rows[-1].append(item)
    return rows
