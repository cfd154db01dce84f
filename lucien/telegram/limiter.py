"""Pacing Telegram calls from the cron, and the run's time budget.

Telegram allows a bot about 30 messages per second overall and about one per second to
the same chat. The limiter spaces every call to at most ``rate`` per second (default 25)
and messages to one chat to one per ``per_chat_interval`` second; admin actions (ban,
unban, approve, revoke) are paced by the overall rate only, since the per-chat limit is
about messages. A 429 is honoured: the limiter sleeps ``retry_after`` (holding back every
other call of this run too) and tries again — unless the sleep would outlast the run's
budget, in which case :class:`BudgetExhausted` tells the caller to release its row for the
next run. The pacing is per process; two concurrent runs each keep to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import TelegramRetryAfter

T = TypeVar("T")


class BudgetExhausted(Exception):
    """The run has no time left for this call: stop and let the next run continue."""


class Budget:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + seconds

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def allows(self, reserve: float = 0.0) -> bool:
        """True while more than ``reserve`` seconds remain."""
        return self.remaining() > reserve


class Limiter:
    def __init__(
        self,
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        budget: Budget | None = None,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self.per_chat_interval = per_chat_interval
        self.budget = budget
        self.max_retries = max_retries
        self.clock = clock
        self.sleep = sleep
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self.calls = 0
        self.flood_waits: list[float] = []

    async def _acquire(self, chat_id: int | None) -> None:
        now = self.clock()
        slot = max(now, self._next_global)
        if chat_id is not None:
            slot = max(slot, self._next_chat.get(chat_id, 0.0))
            self._next_chat[chat_id] = slot + self.per_chat_interval
        self._next_global = slot + self.interval
        delay = slot - now
        if delay > 0:
            if self.budget is not None and delay >= self.budget.remaining():
                raise BudgetExhausted("no time left to pace this call")
            await self.sleep(delay)

    async def run(self, make: Callable[[], Awaitable[T]], *, chat_id: int | None = None) -> T:
        """Call ``make()`` when pacing allows; on 429 wait ``retry_after`` and try again.

        ``chat_id`` is the chat a *message* goes to (per-chat pacing); leave it out for
        admin actions.
        """
        retries = 0
        while True:
            await self._acquire(chat_id)
            self.calls += 1
            try:
                return await make()
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                retries += 1
                if retries > self.max_retries:
                    raise
                if self.budget is not None and wait >= self.budget.remaining():
                    raise BudgetExhausted(f"flood wait of {wait:.0f}s outlasts the run") from exc
                self.flood_waits.append(wait)
                resume = self.clock() + wait
                self._next_global = max(self._next_global, resume)
                if chat_id is not None:
                    self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), resume)
                await self.sleep(wait)
