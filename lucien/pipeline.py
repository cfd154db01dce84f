"""One update, start to finish: claim it, run it through the dispatcher, settle it.

The webhook, ``lucien poll`` and ``lucien dead-letters replay`` all go through here, so
local development exercises the same path as production. How a run ends decides what
Telegram hears (see the README's retry model):

* handled, or a redelivery of a finished update → 200;
* a permanent failure (``lucien.telegram.errors.permanent_reason``) → settled, 200 and a
  log line naming the reason: running it again could never succeed;
* a transient failure → the claim is released and the answer is non-2xx, so Telegram
  delivers it again — until the poison guard sets it aside as a dead letter (after
  ``update_max_attempts`` attempts, or once the first attempt is older than
  ``update_max_age_seconds``) and the owner is told, once;
* completion is never allowed to turn finished work into a re-run: if no store will take
  the done mark, that is logged and the answer is still 200.
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta
from typing import Any

from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Update
from pydantic import ValidationError

from lucien.bot.dispatcher import shared_dispatcher
from lucien.bot.storage import DatabaseStorage, fsm_read
from lucien.bot.storage_fallback import FallbackStorage
from lucien.bot.storage_journal import JournaledStorage
from lucien.bot.storage_scope import use_storage
from lucien.cache import PrefetchingRedis, deferring, serving, take_deferred
from lucien.db.models import utcnow
from lucien.journal import Journal, journal_for
from lucien.ledger import (
    AlreadyDone,
    Claim,
    DatabaseLedger,
    DatabaseRead,
    FallbackLedger,
    RedisLedger,
    Ticket,
    UpdateLedger,
    carrying,
    take_carried,
    verify_done_mark,
)
from lucien.runtime import Runtime
from lucien.telegram.errors import permanent_reason
from lucien.telegram.retry import flood_budget

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    BUSY = "busy"
    FAILED = "failed"
    SETTLED = "settled"  # a permanent failure: nothing to gain from a redelivery
    DEAD = "dead_letter"  # kept failing: set aside, the owner told


class InvalidUpdate(ValueError):
    pass


def clean_payload(payload: Any, max_depth: int) -> Any:
    """Reject absurd nesting; drop what no store or Telegram will ever accept.

    NUL characters (PostgreSQL text refuses them) are removed and lone surrogates (not
    encodable as UTF-8) replaced, anywhere in the update: a first name with a NUL must
    not make the update fail forever. Iterative, so depth never meets Python's recursion
    limit.
    """
    if not isinstance(payload, dict):
        return payload
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise InvalidUpdate(f"nested deeper than {max_depth} levels")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, str):
                fixed = _clean_text(value)
                if fixed is not value:
                    node[key] = fixed
            elif isinstance(value, dict | list):
                stack.append((value, depth + 1))
    return payload


def _clean_text(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def parse_update(runtime: Runtime, payload: Any) -> Update:
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise InvalidUpdate("not a Telegram Update")
    clean_payload(payload, runtime.settings.max_json_depth)
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
        RedisLedger(
            redis,
            runtime.settings.redis_prefix,
            runtime.settings.update_lease_seconds,
            verify=True,
        ),
        database,
    )


def _fsm_keys(runtime: Runtime) -> Any:
    from aiogram.fsm.storage.base import DefaultKeyBuilder

    return DefaultKeyBuilder(prefix=runtime.settings.redis_prefix + "fsm", with_destiny=True)


def storage_for(runtime: Runtime) -> BaseStorage:
    database = DatabaseStorage(runtime.sessions)
    redis = runtime.redis()
    if redis is None:
        return database
    from aiogram.fsm.storage.redis import RedisStorage

    primary = RedisStorage(
        PrefetchingRedis(redis),  # type: ignore[arg-type]
        key_builder=_fsm_keys(runtime),
        state_ttl=7 * 24 * 3600,
        data_ttl=7 * 24 * 3600,
    )
    return FallbackStorage(primary, database)


def usual_reads(runtime: Runtime, update: Update) -> list[tuple[Any, ...] | DatabaseRead]:
    """The reads a person's update makes before its handler, sent with the ledger claim.

    With Redis: its FSM state, the configuration and role cache, its variant memory, in
    the claim's round trip. Without: its FSM record, on the database claim's connection
    (the rest is read in the context middleware's session anyway)."""
    from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware

    context = UserContextMiddleware.resolve_event_context(update)
    user = context.user
    if user is None or user.is_bot:
        return []
    fsm = shared_dispatcher().fsm.resolve_event_context(runtime.bot, {"event_context": context})
    redis = runtime.redis()
    if redis is None:
        return [] if fsm is None else [fsm_read(fsm.key)]
    from lucien.voice import RedisVariantHistory

    reads: list[tuple[Any, ...] | DatabaseRead] = []
    if fsm is not None:
        reads.append(("GET", _fsm_keys(runtime).build(fsm.key, "state")))
    reads.append(runtime.cache().lookup_command(user.id))
    history = RedisVariantHistory(redis, prefix=runtime.settings.redis_prefix)
    reads.append(("HGETALL", history.key(user.id)))
    return reads


def _exhausted(runtime: Runtime, ticket: Ticket, *, failed_now: bool) -> bool:
    """The poison guard: too many attempts, or the first one too long ago."""
    settings = runtime.settings
    limit = settings.update_max_attempts
    if ticket.attempt > limit or (failed_now and ticket.attempt >= limit):
        return True
    first = ticket.first_attempt_at
    return first is not None and utcnow() - first > timedelta(
        seconds=settings.update_max_age_seconds
    )


async def _settle(ledger: UpdateLedger, update_id: int) -> None:
    """Mark done; a completion that no store takes is logged, never turned into a re-run."""
    try:
        await ledger.complete(update_id, [*take_deferred(), *take_carried()])
    except Exception:
        log.exception(
            "update %s: its work is done but no ledger took the done mark; answering 200 "
            "anyway (a redelivery would repeat finished work)",
            update_id,
        )


async def _release(ledger: UpdateLedger, update_id: int) -> None:
    try:
        await ledger.release(update_id)
    except Exception:
        log.warning("update %s: could not release its claim; the lease will expire", update_id)


async def _set_aside(
    runtime: Runtime, ledger: UpdateLedger, update: Update, ticket: Ticket, error: str
) -> Outcome:
    """The poison guard's end: a dead letter, the owner told once, the update settled."""
    from lucien.bot.dead_letters import set_aside

    log.error(
        "update %s set aside as a dead letter after %s attempts: %s",
        update.update_id,
        ticket.attempt,
        error,
    )
    try:
        await set_aside(runtime, update, ticket, error)
    except Exception:
        log.exception("update %s: the dead letter could not be written", update.update_id)
        await _release(ledger, update.update_id)
        return Outcome.FAILED
    await _settle(ledger, update.update_id)
    return Outcome.DEAD


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


async def process_update(runtime: Runtime, update: Update, *, replaying: bool = False) -> Outcome:
    update_id = update.update_id
    ledger = ledger_for(runtime)
    ticket = await ledger.claim(update_id, usual_reads(runtime, update))
    if ticket.claim is Claim.DONE:
        return Outcome.DUPLICATE
    if ticket.claim is Claim.BUSY:
        return Outcome.BUSY
    if _exhausted(runtime, ticket, failed_now=False):
        # Earlier attempts never reported back (a crash, a timeout) or it is too old.
        return await _set_aside(runtime, ledger, update, ticket, "earlier attempts did not finish")
    with journal_for(update_id, runtime.sessions) as journal, deferring(), carrying(ledger):
        if ticket.attempt == 1 and not replaying:
            journal.previous = {}  # a first attempt has nothing to replay: no read
        return await _run(runtime, ledger, update, ticket, journal)


async def _run(
    runtime: Runtime, ledger: UpdateLedger, update: Update, ticket: Ticket, journal: Journal
) -> Outcome:
    update_id = update.update_id
    try:
        with (
            # A redelivery reads afresh: its first attempt may have written since.
            serving(ticket.prefetched if ticket.attempt == 1 else None),
            use_storage(JournaledStorage(storage_for(runtime), journal)),
            flood_budget(),
            verify_done_mark(ticket, update_id),
        ):
            await shared_dispatcher().feed_update(runtime.bot, update, runtime=runtime)
    except AlreadyDone:
        # Finished while Redis was away; now Redis knows too.
        await _settle(ledger, update_id)
        return Outcome.DUPLICATE
    except Exception as exc:
        reason = permanent_reason(exc)
        if reason is not None:
            log.warning("update %s settled without retry: %s", update_id, reason)
            await _settle(ledger, update_id)
            return Outcome.SETTLED
        # What reached Telegram (and the wizard's state before) must not be repeated by
        # the redelivery, nor by a replay of the dead letter.
        await journal.flush()
        if _exhausted(runtime, ticket, failed_now=True):
            return await _set_aside(runtime, ledger, update, ticket, _describe(exc))
        log.exception(
            "update %s failed (attempt %s); it will be redelivered", update_id, ticket.attempt
        )
        await _release(ledger, update_id)
        return Outcome.FAILED
    await _settle(ledger, update_id)
    return Outcome.HANDLED


async def replay(runtime: Runtime, payload: dict[str, Any]) -> Outcome:
    """Run a stored update again from scratch (``lucien dead-letters replay``)."""
    update = parse_update(runtime, payload)
    await ledger_for(runtime).forget(update.update_id)
    return await process_update(runtime, update, replaying=True)
