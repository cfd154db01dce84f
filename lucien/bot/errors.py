"""What a handler's Telegram failure means for the update.

A 403 ("bot was blocked by the user") will never succeed on redelivery: the person is
marked unreachable and the update counts as handled. Anything else propagates, the update
is answered non-2xx and Telegram delivers it again.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from lucien.access.users import mark_unreachable
from lucien.runtime import Runtime

log = logging.getLogger(__name__)


async def on_forbidden(event: ErrorEvent, runtime: Runtime, **_: Any) -> bool:
    exc = event.exception
    assert isinstance(exc, TelegramForbiddenError)
    chat_id = getattr(exc.method, "chat_id", None)
    if isinstance(chat_id, int) and chat_id > 0:
        async with runtime.sessions.begin() as session:
            await mark_unreachable(session, chat_id)
    log.info(
        "update %s: %s refused by Telegram (403): %s",
        event.update.update_id,
        type(exc.method).__name__,
        exc.message,
    )
    return True


def build() -> Router:
    router = Router(name="errors")
    router.errors.register(on_forbidden, ExceptionTypeFilter(TelegramForbiddenError))
    return router
