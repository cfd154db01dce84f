"""What a handler's failure means for the update, as aiogram's error router.

A permanent failure (``lucien.telegram.errors.permanent_reason``: a 403, "query is too
old", "chat not found", data the database will never accept) can never succeed on
redelivery: it is logged with its reason and the update counts as handled. A 403 also
marks the person unreachable. Anything else propagates, the update is answered non-2xx
and Telegram delivers it again (until the poison guard sets it aside).
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import ErrorEvent

from lucien.runtime import Runtime
from lucien.services.users import mark_unreachable
from lucien.telegram.errors import is_forbidden, permanent_reason

log = logging.getLogger(__name__)


class Permanent(Filter):
    """Matches permanent failures and hands the handler the reason."""

    async def __call__(self, event: ErrorEvent) -> bool | dict[str, Any]:
        reason = permanent_reason(event.exception)
        return False if reason is None else {"reason": reason}


async def on_permanent(event: ErrorEvent, reason: str, runtime: Runtime, **_: Any) -> bool:
    exc = event.exception
    if is_forbidden(exc):
        chat_id = getattr(getattr(exc, "method", None), "chat_id", None)
        if isinstance(chat_id, int) and chat_id > 0:
            async with runtime.sessions.begin() as session:
                await mark_unreachable(session, chat_id)
    method = getattr(exc, "method", None)
    log.warning(
        "update %s settled without retry (%s): %s",
        event.update.update_id,
        type(method).__name__ if method is not None else type(exc).__name__,
        reason,
    )
    return True


def build() -> Router:
    router = Router(name="errors")
    router.errors.register(on_permanent, Permanent())
    return router
