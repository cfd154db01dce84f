"""Pacing Telegram calls from the cron, and the run's time budget.

Telegram allows a bot about 30 messages per second overall and about one per second to
the same chat. The limiter spaces every call to at most ``rate`` per second (default 25)
and messages to one chat to one per ``per_chat_interval`` second; admin actions (ban,
unban, approve, revoke) are paced by the overall rate only, since the per-chat limit is
about messages.

The overall rate is kept by a *pacer* that hands out time slots. The in-process one here
serves one run; ``lucien.jobs.pacing`` has the shared ones (Redis, or the database) that
make overlapping runs and instances keep to one rate together. Per-chat spacing stays in
the process: a chat's messages come from rows its run has claimed.

A 429 is honoured: every run waits ``retry_after`` (the pacer is pushed back) and the call
is tried again — unless the wait would outlast the run's budget, in which case
:class:`BudgetExhausted` tells the caller to release its row for the next run.

Each call is also bounded by the time the run has left: a Telegram that does not answer
ends the call with :class:`CallTimedOut` at the budget's end, so a run never outlives
``cron_time_budget_seconds`` however long Telegram hangs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from aiogram.exceptions import TelegramRetryAfter

T = TypeVar("T")


class Interrupted(Exception):
    """A transient Telegram failure in work run from an update (not the cron): instead of
    leaving the row to the next run, the update fails and Telegram delivers it again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause


class BudgetExhausted(Exception):
    """The run has no time left for this call: stop and let the next run continue.

    Raised before the call is made (pacing, flood wait), so nothing reached Telegram."""


class CallTimedOut(BudgetExhausted):
    """The call was made but Telegram did not answer before the budget ended: it may or
    may not have taken effect."""


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


class Pacer(Protocol):
    """Hands out slots for calls, ``interval`` seconds apart."""

    async def reserve(self, interval: float, max_delay: float) -> float | None:
        """Take the next slot; the seconds to wait for it, or None (nothing taken) when
        it is more than ``max_delay`` away."""

    async def hold(self, seconds: float) -> None:
        """No slot before ``seconds`` from now (a 429's ``retry_after``)."""


class LocalPacer:
    """Slots for this process only (a single run, the admin panel, tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._next = 0.0

    async def reserve(self, interval: float, max_delay: float) -> float | None:
        now = self.clock()
        slot = max(now, self._next)
        if slot - now > max_delay:
            return None
        self._next = slot + interval
        return slot - now

    async def hold(self, seconds: float) -> None:
        self._next = max(self._next, self.clock() + seconds)


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
        pacer: Pacer | None = None,
    ) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self.per_chat_interval = per_chat_interval
        self.budget = budget
        self.max_retries = max_retries
        self.clock = clock
        self.sleep = sleep
        self.pacer: Pacer = pacer or LocalPacer(clock)
        self._next_chat: dict[int, float] = {}
        self.calls = 0
        self.flood_waits: list[float] = []

    def _left(self) -> float:
        return float("inf") if self.budget is None else self.budget.remaining()

    async def _acquire(self, chat_id: int | None) -> None:
        now = self.clock()
        chat_wait = 0.0
        if chat_id is not None:
            chat_slot = max(now, self._next_chat.get(chat_id, 0.0))
            chat_wait = chat_slot - now
            if chat_wait >= self._left():
                raise BudgetExhausted("no time left to pace this call")
            self._next_chat[chat_id] = chat_slot + self.per_chat_interval
            if chat_wait > 0:
                await self.sleep(chat_wait)
        delay = await self.pacer.reserve(self.interval, max(0.0, self._left() - 0.05))
        if delay is None:
            raise BudgetExhausted("no time left to pace this call")
        if delay > 0:
            await self.sleep(delay)
        if chat_id is not None:  # spaced from when the message really goes
            after = self.clock() + self.per_chat_interval
            self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), after)

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        if self.budget is None:
            return await make()
        left = self.budget.remaining()
        if left <= 0:
            raise BudgetExhausted("no time left for this call")
        try:
            async with asyncio.timeout(left):
                return await make()
        except TimeoutError as exc:
            raise CallTimedOut(f"Telegram did not answer within the {left:.1f}s left") from exc

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
                return await self._call(make)
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                retries += 1
                if retries > self.max_retries:
                    raise
                if wait >= self._left():
                    raise BudgetExhausted(f"flood wait of {wait:.0f}s outlasts the run") from exc
                self.flood_waits.append(wait)
                await self.pacer.hold(wait)
                if chat_id is not None:
                    resume = self.clock() + wait
                    self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), resume)
