"""One update, start to finish: claim it, run it through a fresh dispatcher, settle it.

The webhook and ``lucien poll`` both go through here, so local development exercises the
same path as production.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Update
from pydantic import ValidationError

from lucien.bot.dispatcher import shared_dispatcher
from lucien.bot.storage import DatabaseStorage
from lucien.bot.storage_fallback import FallbackStorage
from lucien.bot.storage_journal import JournaledStorage
from lucien.bot.storage_scope import use_storage
from lucien.journal import journal_for
from lucien.ledger import Claim, DatabaseLedger, FallbackLedger, RedisLedger, UpdateLedger
from lucien.runtime import Runtime
from lucien.telegram.retry import flood_budget

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    BUSY = "busy"
    FAILED = "failed"


class InvalidUpdate(ValueError):
    pass


def parse_update(runtime: Runtime, payload: Any) -> Update:
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise InvalidUpdate("not a Telegram Update")
    try:
        return Update.model_validate(payload, context={"bot": runtime.bot})
    except ValidationError as exc:
        raise InvalidUpdate(f"not a Telegram Update ({exc.error_count()} problems)") from None


def ledger_for(runtime: Runtime) -> UpdateLedger:
    database = DatabaseLedger(runtime.sessions, runtime.settings.update_lease_seconds)
    redis = runtime.redis()
    if redis is None:
        return database
    return FallbackLedger(
        RedisLedger(redis, runtime.settings.redis_prefix, runtime.settings.update_lease_seconds),
        database,
    )


def storage_for(runtime: Runtime) -> BaseStorage:
    database = DatabaseStorage(runtime.sessions)
    redis = runtime.redis()
    if redis is None:
        return database
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    primary = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(
            prefix=runtime.settings.redis_prefix + "fsm", with_destiny=True
        ),
        state_ttl=7 * 24 * 3600,
        data_ttl=7 * 24 * 3600,
    )
    return FallbackStorage(primary, database)


async def process_update(runtime: Runtime, update: Update) -> Outcome:
    ledger = ledger_for(runtime)
    claim = await ledger.claim(update.update_id)
    if claim is Claim.DONE:
        return Outcome.DUPLICATE
    if claim is Claim.BUSY:
        return Outcome.BUSY
    with journal_for(update.update_id, runtime.sessions) as journal:
        try:
            storage = JournaledStorage(storage_for(runtime), journal)
            with use_storage(storage), flood_budget():
                await shared_dispatcher().feed_update(runtime.bot, update, runtime=runtime)
        except Exception:
            log.exception("update %s failed; it will be redelivered", update.update_id)
            await journal.flush()  # what reached Telegram is not sent again
            await ledger.release(update.update_id)
            return Outcome.FAILED
    await ledger.complete(update.update_id)
    return Outcome.HANDLED
