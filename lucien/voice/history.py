"""Per-user memory of the variants shown recently (the no-repetition rule).

Every request is stateless, so the memory lives outside the process: in Redis
(:class:`~lucien.voice.history_redis.RedisVariantHistory`) or in the database
(:class:`~lucien.voice.history_db.DatabaseVariantHistory`). :class:`MemoryVariantHistory`
is for previews, the linter and unit tests.

A history maps a message key (``"menus.vip.intro"``) to the indices of the variants last
shown, most recent first. Entries older than :data:`WINDOW` are forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

WINDOW = timedelta(minutes=10)
KEEP = 2  # how many recent variants are remembered (and excluded) per message
KEY_MAX = 96
RECENT_MAX = 64


@runtime_checkable
class VariantHistory(Protocol):
    async def load(self, user_id: int) -> dict[str, list[int]]: ...

    async def save(self, user_id: int, updates: dict[str, list[int]]) -> None: ...


def encode_recent(indices: list[int]) -> str:
    """``[2, 0]`` → ``"2,0"`` (bounded to fit the column)."""
    text = ",".join(str(i) for i in indices[:KEEP])
    return text[:RECENT_MAX]


def decode_recent(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if part.isdigit():
            out.append(int(part))
    return out[:KEEP]


class MemoryVariantHistory:
    """In-process history (preview, lint, tests). Honours the same window."""

    def __init__(
        self, window: timedelta = WINDOW, now: Callable[[], datetime] | None = None
    ) -> None:
        self.window = window
        self._now = now or (lambda: datetime.now(UTC))
        self._data: dict[int, dict[str, tuple[list[int], datetime]]] = {}
        self.loads = 0
        self.saves = 0

    async def load(self, user_id: int) -> dict[str, list[int]]:
        self.loads += 1
        cutoff = self._now() - self.window
        rows = self._data.get(user_id, {})
        return {key: list(recent) for key, (recent, at) in rows.items() if at >= cutoff}

    async def save(self, user_id: int, updates: dict[str, list[int]]) -> None:
        self.saves += 1
        at = self._now()
        rows = self._data.setdefault(user_id, {})
        for key, recent in updates.items():
            rows[key] = (list(recent[:KEEP]), at)
