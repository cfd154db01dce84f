"""Telegram calls of a redelivered update: what already reached the person is not sent again.

A request middleware on the bot's session. While an update is handled (there is a
``lucien.journal`` journal), each call that changes something is named by its method, a
digest of its parameters and how many identical calls came before it in this update
(``tg:sendMessage:<digest>#1``). After it succeeds its answer is kept; if the attempt
fails, the pipeline writes those answers to the journal. The redelivery runs the handler
again: a call whose name is in the journal is not made, and the handler gets the recorded
answer (the same message id, the same invite link), so it carries on exactly as before and
only the calls that had not succeeded reach Telegram. (A callback answer Telegram refuses
as "query is too old" counts as made: ``lucien.telegram.redelivery``.)

Reads (``get*``) always go to Telegram: they change nothing and their answer may have
changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from lucien.journal import current_journal
from lucien.telegram.middleware import Call, CallMiddleware

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


def call_name(method: TelegramMethod[Any]) -> str:
    params = method.model_dump(warnings=False, exclude_none=True)
    raw = json.dumps(params, sort_keys=True, default=repr, ensure_ascii=False)
    digest = hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()
    return f"tg:{method.__api_method__}:{digest}"


class JournalMiddleware(CallMiddleware):
    async def around(self, call: Call, bot: Bot, method: TelegramMethod[Any]) -> Any:
        journal = current_journal()
        if journal is None or method.__api_method__.startswith("get"):
            return await call()
        previous = await journal.load()
        key = journal.key(call_name(method))
        if key in previous:
            log.info("update %s: %s already sent; not again", journal.update_id, key)
            return _replayed(bot, method, previous[key])
        result = await call()
        journal.remember(key, _jsonable(result))
        return result


def _jsonable(value: Any) -> Any:
    """Telegram's answer as JSON. ``model_dump`` (not ``to_jsonable_python`` on the model)
    so a type whose schema ``lucien.lazy_types`` has not built yet gets built first."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return to_jsonable_python(value)


def _replayed(bot: Bot, method: TelegramMethod[TelegramType], stored: Any) -> Any:
    response_type = Response[method.__returning__]  # type: ignore[name-defined]
    return response_type.model_validate({"ok": True, "result": stored}, context={"bot": bot}).result
