"""Lucien's voice: every user-facing text of the product lives in this package.

Handlers, services and jobs ask a :class:`Voice` for messages (text + keyboard) and never
hold Spanish prose themselves. See ``README.md`` in this folder for the provider table.

The history backends are imported lazily so that importing the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lucien.voice.history import MemoryVariantHistory, VariantHistory
from lucien.voice.message import Alert, Message
from lucien.voice.service import Voice

if TYPE_CHECKING:
    from lucien.voice.history_db import DatabaseVariantHistory
    from lucien.voice.history_redis import RedisVariantHistory

__all__ = [
    "Alert",
    "DatabaseVariantHistory",
    "MemoryVariantHistory",
    "Message",
    "RedisVariantHistory",
    "VariantHistory",
    "Voice",
]


def __getattr__(name: str) -> Any:
    if name == "RedisVariantHistory":
        from lucien.voice.history_redis import RedisVariantHistory

        return RedisVariantHistory
    if name == "DatabaseVariantHistory":
        from lucien.voice.history_db import DatabaseVariantHistory

        return DatabaseVariantHistory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
