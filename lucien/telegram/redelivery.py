"""Calls that a redelivered update may find already answered.

A button press whose first run failed comes back minutes later; by then Telegram refuses
``answerCallbackQuery`` ("query is too old"). The answer only stops the button's spinner,
so the refusal must not abort the handler: the rest of the update's work still has to be
done (or found done). Every other refusal reaches the handler as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, TelegramMethod

from lucien.telegram.errors import callback_query_expired
from lucien.telegram.middleware import Call, CallMiddleware

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class ExpiredCallbackMiddleware(CallMiddleware):
    async def around(self, call: Call, bot: Bot, method: TelegramMethod[Any]) -> Any:
        try:
            return await call()
        except TelegramBadRequest as exc:
            if isinstance(method, AnswerCallbackQuery) and callback_query_expired(exc):
                log.info("callback query %s expired; not answered", method.callback_query_id)
                return True
            raise
