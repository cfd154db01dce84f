"""Flood control (429) while answering an update.

Telegram answers 429 with ``retry_after``. While an update is being handled the bot waits
and tries again, within a small budget, so a burst does not turn into a failed update and a
redelivery. The budget lives in a context variable set by the update pipeline: the cron
paces and retries with its own limiter and is left alone here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod

from lucien.telegram.middleware import Call, CallMiddleware

if TYPE_CHECKING:
    from aiogram import Bot

_deadline: ContextVar[float | None] = ContextVar("lucien_flood_deadline", default=None)

UPDATE_FLOOD_BUDGET = 10.0  # seconds an update may spend waiting on 429s in total


@contextmanager
def flood_budget(seconds: float = UPDATE_FLOOD_BUDGET) -> Iterator[None]:
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


class RetryAfterMiddleware(CallMiddleware):
    async def around(self, call: Call, bot: Bot, method: TelegramMethod[Any]) -> Any:
        while True:
            try:
                return await call()
            except TelegramRetryAfter as exc:
                deadline = _deadline.get()
                wait = float(exc.retry_after)
                if deadline is None or time.monotonic() + wait > deadline:
                    raise
                await asyncio.sleep(wait)
