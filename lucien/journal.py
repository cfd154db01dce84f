"""The update's effects journal: a redelivered update finishes its work, never repeats it.

Telegram delivers an update again after any non-2xx answer, and the pipeline then runs it
from the start. Everything the first attempt already did is written here, keyed by the
update id, so the second attempt replays it instead of doing it again:

* **database effects** (``once`` / ``@effect``): the effect's result is stored in the
  same transaction as the effect. A re-run gets the stored result back and the effect does
  not run again ("the extension made by this update" exists once);
* **Telegram calls** (``lucien.telegram.journal``): each call that changes something is
  numbered by what it sends; a re-run skips the ones that already succeeded and gets their
  recorded answer, so only what the person has not seen yet is sent;
* **the conversation state** (``lucien.bot.storage_journal``): the FSM state and data as
  they were before the update, so a re-run starts from the same step of a wizard.

Cost on the happy path: a first attempt (the ledger's attempt count is 1) reads nothing;
a later one reads its update's rows once, inside the context middleware's transaction.
Each ``once`` adds one insert to a transaction the effect opens anyway; Telegram calls and
FSM snapshots are kept in memory and written only when the attempt fails (``flush``). A
process killed between a Telegram call and the end of its attempt therefore loses that
memory: the redelivery sends that attempt's messages again, once — the main
at-least-once left. (Another: attempts counted apart in Redis and in the database during an
outage may make a redelivery look like a first attempt, which then re-sends too.)

Rows are purged with the update ledger (``lucien.jobs.cleanup``).
"""

from __future__ import annotations

import functools
import logging
import typing
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.db.models import UpdateEffect, utcnow
from lucien.db.upsert import insert_ignore

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")


@dataclass
class Journal:
    """One attempt's view of its update's journal."""

    update_id: int
    sessions: async_sessionmaker[AsyncSession] | None = None
    #: what earlier attempts recorded (key → result); ``None`` until read
    previous: dict[str, Any] | None = None
    #: Telegram calls and FSM snapshots of this attempt, written only if it fails
    pending: dict[str, Any] = field(default_factory=dict)
    _seen: Counter[str] = field(default_factory=Counter)

    def key(self, base: str) -> str:
        """``base`` numbered by how often this attempt has asked for it (``base#n``)."""
        self._seen[base] += 1
        return f"{base}#{self._seen[base]}"

    async def load_in(self, session: AsyncSession) -> dict[str, Any]:
        if self.previous is None:
            rows = await session.execute(
                select(UpdateEffect.key, UpdateEffect.result).where(
                    UpdateEffect.update_id == self.update_id
                )
            )
            self.previous = {key: result for key, result in rows.all()}
        return self.previous

    async def load(self) -> dict[str, Any]:
        """The earlier attempts' records, read in a session of its own if not read yet."""
        if self.previous is None:
            if self.sessions is None:
                self.previous = {}
            else:
                async with self.sessions() as session:
                    await self.load_in(session)
        assert self.previous is not None
        return self.previous

    def remember(self, key: str, result: Any) -> None:
        """Keep a record to write if this attempt fails (see ``flush``)."""
        self.pending.setdefault(key, result)

    async def flush(self) -> None:
        """Write this attempt's pending records, before the update is released.

        Best effort: if the database cannot take them now, the redelivery sends those
        messages again (logged) rather than the update failing twice.
        """
        fresh = {k: v for k, v in self.pending.items() if k not in (self.previous or {})}
        if not fresh or self.sessions is None:
            return
        try:
            async with self.sessions.begin() as session:
                now = utcnow()
                for key, result in fresh.items():
                    await session.execute(
                        insert_ignore(
                            session,
                            UpdateEffect,
                            {
                                "update_id": self.update_id,
                                "key": key,
                                "result": result,
                                "created_at": now,
                            },
                            ["update_id", "key"],
                        )
                    )
        except Exception:
            log.warning(
                "update %s: could not journal %d effects; a redelivery repeats them",
                self.update_id,
                len(fresh),
                exc_info=True,
            )
        else:
            self.pending.clear()


_current: ContextVar[Journal | None] = ContextVar("lucien_update_journal", default=None)


def current_journal() -> Journal | None:
    """The journal of the update being handled (``None`` in the cron and the CLI)."""
    return _current.get()


def current_update_id() -> int | None:
    journal = _current.get()
    return None if journal is None else journal.update_id


@contextmanager
def journal_for(
    update_id: int, sessions: async_sessionmaker[AsyncSession] | None = None
) -> Iterator[Journal]:
    journal = Journal(update_id, sessions)
    token = _current.set(journal)
    try:
        yield journal
    finally:
        _current.reset(token)


async def done_before(name: str) -> bool:
    """Whether an earlier attempt of this update committed ``once(…, name, …)``: a
    redelivery of finished work says what was done instead of "nothing to do"."""
    journal = _current.get()
    return journal is not None and f"db:{name}#1" in await journal.load()


@functools.lru_cache(maxsize=256)
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


async def once(session: AsyncSession, name: str, kind: Any, run: Callable[[], Awaitable[T]]) -> T:
    """Run a database effect once per update; a re-run gets its stored result.

    ``run`` must do its writes in ``session``: the record is inserted in the same
    transaction, so the effect and the fact that it happened commit (or roll back)
    together. ``kind`` is the result's type (a dataclass, enum, list…), stored as JSON.
    Outside an update (cron, CLI) it simply runs.
    """
    journal = _current.get()
    if journal is None:
        return await run()
    previous = await journal.load_in(session)
    key = journal.key(f"db:{name}")
    adapter = _adapter(kind)
    if key in previous:
        log.info("update %s: %s already done; replaying its result", journal.update_id, key)
        return typing.cast(T, adapter.validate_python(previous[key]))
    result = await run()
    await session.execute(
        insert(UpdateEffect).values(
            update_id=journal.update_id,
            key=key,
            result=adapter.dump_python(result, mode="json"),
            created_at=utcnow(),
        )
    )
    return result


def effect(name: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorate a service whose first argument is the session: it runs once per update.

    The stored result's type is the function's return annotation.
    """

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            session = args[0] if args else kwargs.get("session")
            assert isinstance(session, AsyncSession), f"{fn.__qualname__}: session first"
            kind = _return_type(fn)
            return await once(session, name, kind, lambda: fn(*args, **kwargs))

        return wrapper

    return decorate


@functools.lru_cache(maxsize=128)
def _return_type(fn: Callable[..., Any]) -> Any:
    return typing.get_type_hints(fn)["return"]
