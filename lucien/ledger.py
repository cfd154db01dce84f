"""The update ledger: which ``update_id`` values have been handled, and how often tried.

Telegram redelivers an update when the answer is not 2xx or is too slow, and may deliver
it again while the first attempt is still running. The ledger makes the effects happen
once: an attempt first *claims* the id (with a lease), marks it *done* on success, and
*releases* it on failure so the redelivery can run it again. A second attempt that finds a
live claim is told BUSY and answers non-2xx, so nothing is lost if the first one fails.

Each claim also counts the attempt and remembers when the first one started, in the same
store and the same round trip, so the poison guard works across stateless processes.

A completion must not be lost: when Redis fails after the work, the done mark goes to the
database instead. A Redis claim that looks new is therefore *unverified*: the database may
hold a done mark written while Redis was away (or before Redis lost its data). Asking on a
connection of its own would cost a PostgreSQL connection per update (tens of
milliseconds, measured in bench/update_latency.py), so the question rides on the update's
first transaction instead: the context middleware asks it in the ``RETURNING`` of the
user's upsert (``done_mark_question``), a primary-key subquery in a statement sent anyway,
or — for an update without a user — with ``check_done_mark``. A done mark found there
stops the update before any handler runs (``AlreadyDone``) and rolls the transaction back.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lucien.db.engine import statementwise
from lucien.db.models import ProcessedUpdate, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import insert_ignore, upsert
from lucien.ops.observe import note_fallback

log = logging.getLogger(__name__)

DONE_TTL = timedelta(days=3)

#: What counts as "Redis is not there": the client's own errors and socket errors.
REDIS_DOWN = (RedisError, OSError)


class Claim(enum.Enum):
    NEW = "new"
    DONE = "done"
    BUSY = "busy"


@dataclass(frozen=True)
class Ticket:
    """The answer to a claim; for a NEW claim, which attempt this is and when the first began."""

    claim: Claim
    attempt: int = 0
    first_attempt_at: datetime | None = None
    #: NEW in Redis only: the database's done marks must still be consulted.
    unverified: bool = False
    #: Answers to the reads sent along with the claim (``lucien.cache.serving``).
    prefetched: Mapping[tuple[Any, ...], Any] | None = None


class AlreadyDone(Exception):
    """The database holds a done mark for an update Redis thought new."""


_unverified: ContextVar[int | None] = ContextVar("lucien_unverified_update", default=None)


@contextmanager
def verify_done_mark(ticket: Ticket, update_id: int) -> Iterator[None]:
    """While the update runs, its first transaction must consult the database's mark."""
    token = _unverified.set(update_id if ticket.unverified else None)
    try:
        yield
    finally:
        _unverified.reset(token)


def done_mark_pending() -> bool:
    return _unverified.get() is not None


_MARKS = ProcessedUpdate.__table__
_DONE_MARK = select(_MARKS.c.status).where(_MARKS.c.update_id == bindparam("update_id"))


#: The done-mark read as a scalar subquery, for a statement the update sends anyway
#: (``lucien.access.users.touch_user_asking``): the check costs no round trip of its own.
DONE_MARK_QUESTION = _DONE_MARK.scalar_subquery()


def done_mark_question() -> tuple[Any, dict[str, Any]] | None:
    """The question to ask and its parameters, if the running update must ask it (once)."""
    update_id = _unverified.get()
    if update_id is None:
        return None
    _unverified.set(None)
    return DONE_MARK_QUESTION, {"update_id": update_id}


def answer_done_mark(status: str | None) -> None:
    """Raise ``AlreadyDone`` when the answer to ``done_mark_question`` was a done mark."""
    if status == "done":
        raise AlreadyDone


async def check_done_mark(session: AsyncSession) -> None:
    """Raise ``AlreadyDone`` if the unverified update was finished while Redis was away."""
    update_id = _unverified.get()
    if update_id is None:
        return
    _unverified.set(None)  # asked once per update
    # On the session's connection, a statement built once: the ORM's execution path
    # (identity map, ORM compile state) cost about as much as the round trip here.
    connection = await session.connection()
    status = await connection.scalar(_DONE_MARK, {"update_id": update_id})
    if status == "done":
        raise AlreadyDone(update_id)


@dataclass(frozen=True)
class DatabaseRead:
    """A read the database claim carries in its transaction (the embedded default's
    counterpart of a Redis read riding on the claim): ``command`` is what the reader asks
    ``lucien.cache.take_prefetched`` for, the answer being the statement's rows."""

    command: tuple[Any, ...]
    statement: Any
    params: Mapping[str, Any]


#: Reads a claim may carry: Redis commands in the Redis claim's round trip (see
#: ``lucien.cache``), ``DatabaseRead`` right after the database claim, on its connection.
Reads = Sequence[tuple[Any, ...] | DatabaseRead]


@dataclass(frozen=True)
class DatabaseWrite:
    """A write that waits for the database ledger's completion and is sent just before
    its done mark (the embedded default's counterpart of a cache write riding with the
    Redis done mark): ``params`` is one row's parameters, or a list of rows (executemany)."""

    statement: Any
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]]


#: What a completion carries: Redis commands (cache writes the update deferred) to the
#: Redis done mark, ``DatabaseWrite`` to the database completion.
Writes = Sequence[tuple[Any, ...] | DatabaseWrite]

_carried: ContextVar[list[DatabaseWrite] | None] = ContextVar("lucien_carried", default=None)


@contextmanager
def carrying(ledger: UpdateLedger) -> Iterator[None]:
    """While an update runs on the database ledger alone, ``carry`` holds its writes for
    the completion (with Redis in front the done mark goes to Redis: nothing is held)."""
    token = _carried.set([] if isinstance(ledger, DatabaseLedger) else None)
    try:
        yield
    finally:
        _carried.reset(token)


def carry(write: DatabaseWrite) -> bool:
    """Hold ``write`` for the completion; False when none is coming (the
    caller then writes at once). A failed update's held writes are dropped, like its
    deferred cache writes."""
    held = _carried.get()
    if held is not None:
        held.append(write)
    return held is not None


def take_carried() -> list[DatabaseWrite]:
    """The held writes, handed over once (a second completion finds none)."""
    held = _carried.get() or []
    taken, held[:] = held[:], []
    return taken


class UpdateLedger(Protocol):
    async def claim(self, update_id: int, reads: Reads = ()) -> Ticket: ...
    async def complete(self, update_id: int, writes: Writes = ()) -> None: ...
    async def release(self, update_id: int) -> None: ...
    async def forget(self, update_id: int) -> None: ...


@cache
def _ledger_statement(dialect: str, which: str) -> Any:
    """The claim's insert and the completion's upsert, built once per dialect and reused
    with bound parameters (building them was a sixth of an update's CPU on SQLite)."""
    columns = ["update_id", "status", "claimed_at", "attempts", "first_attempt_at"]
    if which == "claim":
        return insert_ignore(dialect, _MARKS, {c: bindparam(c) for c in columns}, ["update_id"])
    completion: dict[str, Any] = {c: bindparam(c) for c in [*columns, "completed_at"]}
    return upsert(dialect, _MARKS, completion, ["update_id"], ["status", "completed_at"])


class DatabaseLedger:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], lease_seconds: int) -> None:
        self.sessions = sessions
        self.lease = timedelta(seconds=lease_seconds)

    async def claim(self, update_id: int, reads: Reads = ()) -> Ticket:
        """Claim; a first attempt also runs the ``DatabaseRead`` among ``reads`` on the
        claim's connection (Redis commands have nothing to go to here).

        On the session's connection with statements built once: the ORM's execution path
        cost more than the statements, and a read riding here spares the update a
        transaction of its own (on SQLite a ``BEGIN IMMEDIATE`` and a pool checkout).
        Each statement is atomic alone (an insert that ignores a conflict, a conditional
        takeover), so on SQLite they run without a transaction around them and hold the
        write lock only while each runs (``statementwise``)."""
        now = utcnow()
        async with self.sessions.begin() as session:
            connection = await statementwise(session)
            inserted = await connection.execute(
                _ledger_statement(connection.dialect.name, "claim"),
                {
                    "update_id": update_id,
                    "status": "processing",
                    "claimed_at": now,
                    "attempts": 1,
                    "first_attempt_at": now,
                },
            )
            if rowcount(inserted) == 1:
                prefetched = {
                    read.command: (await connection.execute(read.statement, read.params)).all()
                    for read in reads
                    if isinstance(read, DatabaseRead)
                }
                return Ticket(Claim.NEW, 1, now, prefetched=prefetched or None)
            # Tried before: take it over if that attempt failed or its lease ran out.
            taken = (
                await session.execute(
                    update(ProcessedUpdate)
                    .where(
                        ProcessedUpdate.update_id == update_id,
                        or_(
                            ProcessedUpdate.status == "failed",
                            (ProcessedUpdate.status == "processing")
                            & (ProcessedUpdate.claimed_at < now - self.lease),
                        ),
                    )
                    .values(
                        status="processing",
                        claimed_at=now,
                        attempts=ProcessedUpdate.attempts + 1,
                    )
                    .returning(ProcessedUpdate.attempts, ProcessedUpdate.first_attempt_at)
                )
            ).first()
            if taken is not None:
                return Ticket(Claim.NEW, taken.attempts, taken.first_attempt_at or now)
            status = await session.scalar(
                select(ProcessedUpdate.status).where(ProcessedUpdate.update_id == update_id)
            )
        return Ticket(Claim.DONE if status == "done" else Claim.BUSY)

    async def is_done(self, update_id: int) -> bool:
        async with self.sessions() as session:
            status = await session.scalar(
                select(ProcessedUpdate.status).where(ProcessedUpdate.update_id == update_id)
            )
        return status == "done"

    async def complete(self, update_id: int, writes: Writes = ()) -> None:
        """Mark done (an upsert: the claim may have been made in Redis, which then failed);
        the ``DatabaseWrite`` among ``writes`` go first on the same connection — on SQLite
        a transaction fewer per update. Redis commands have nothing to go to here."""
        carried = [w for w in writes if isinstance(w, DatabaseWrite)]
        if carried:
            try:
                await self._complete(update_id, carried)
                return
            except Exception:
                # What rides is a nicety (the variant memory): never lose the done mark to it.
                log.warning(
                    "update %s: writes carried by the completion failed", update_id, exc_info=True
                )
        await self._complete(update_id, ())

    async def _complete(self, update_id: int, carried: Sequence[DatabaseWrite]) -> None:
        now = utcnow()
        async with self.sessions.begin() as session:
            # Each statement is atomic alone; the done mark comes last, so a process that
            # dies in between leaves the update to be redelivered, never a mark without
            # the work (the writes riding here are the variant memory: a nicety).
            connection = await statementwise(session)
            for write in carried:
                await connection.execute(write.statement, write.params)  # type: ignore[arg-type]
            await connection.execute(
                _ledger_statement(connection.dialect.name, "complete"),
                {
                    "update_id": update_id,
                    "status": "done",
                    "claimed_at": now,
                    "completed_at": now,
                    "attempts": 1,
                    "first_attempt_at": now,
                },
            )

    async def release(self, update_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(ProcessedUpdate)
                .where(
                    ProcessedUpdate.update_id == update_id,
                    ProcessedUpdate.status == "processing",
                )
                .values(status="failed", completed_at=utcnow())
            )

    async def forget(self, update_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id)
            )


# Claim, count the attempt and read the first attempt's time in one atomic round trip.
# KEYS: mark, attempts hash. ARGV: lease seconds, attempts TTL, now (epoch seconds).
_CLAIM = """
if redis.call('SET', KEYS[1], 'processing', 'NX', 'EX', ARGV[1]) then
  local n = redis.call('HINCRBY', KEYS[2], 'n', 1)
  redis.call('HSETNX', KEYS[2], 'first', ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  return {'new', n, redis.call('HGET', KEYS[2], 'first')}
end
return {redis.call('GET', KEYS[1]) or 'busy', 0, '0'}
"""

# Delete only our own processing mark, never a "done".
_RELEASE = """
if redis.call('GET', KEYS[1]) == 'processing' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisLedger:
    def __init__(
        self, redis: Redis, prefix: str, lease_seconds: int, *, verify: bool = False
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        #: whether a database ledger may hold marks this one lacks (see the module doc)
        self.verify = verify

    def _key(self, update_id: int) -> str:
        return f"{self.prefix}update:{update_id}"

    def _attempts_key(self, update_id: int) -> str:
        return f"{self.prefix}update-attempts:{update_id}"

    async def claim(self, update_id: int, reads: Reads = ()) -> Ticket:
        """Claim; ``reads`` (the update's usual reads) ride in the same round trip."""
        now = utcnow()
        claim = (
            _CLAIM,
            2,
            self._key(update_id),
            self._attempts_key(update_id),
            self.lease_seconds,
            int(DONE_TTL.total_seconds()),
            f"{now.timestamp():.3f}",
        )
        prefetched: dict[tuple[Any, ...], Any] | None = None
        commands = [r for r in reads if not isinstance(r, DatabaseRead)]
        if commands:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.eval(*claim)
                for command in commands:
                    pipe.execute_command(*command)
                answers = await pipe.execute(raise_on_error=False)
            if isinstance(answers[0], Exception):
                raise answers[0]
            (status, attempt, first), rest = answers[0], answers[1:]
            # A read that failed is simply not served: the reader asks Redis itself.
            prefetched = {
                c: a for c, a in zip(commands, rest, strict=True) if not isinstance(a, Exception)
            }
        else:
            status, attempt, first = await self.redis.eval(*claim)
        status = _text(status)
        if status != "new":
            return Ticket(Claim.DONE if status == "done" else Claim.BUSY)
        first_at = datetime.fromtimestamp(float(first), UTC)
        return Ticket(
            Claim.NEW, int(attempt), first_at, unverified=self.verify, prefetched=prefetched
        )

    async def complete(self, update_id: int, writes: Writes = ()) -> None:
        """Mark done; ``writes`` (cache writes the update deferred) ride along."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._key(update_id), "done", ex=int(DONE_TTL.total_seconds()))
            pipe.delete(self._attempts_key(update_id))
            for command in writes:
                if not isinstance(command, DatabaseWrite):  # none comes: see ``carrying``
                    pipe.execute_command(*command)
            answers = await pipe.execute(raise_on_error=False)
        for answer in answers[:2]:  # a failed cache write is only a later miss
            if isinstance(answer, Exception):
                raise answer

    async def release(self, update_id: int) -> None:
        await self.redis.eval(_RELEASE, 1, self._key(update_id))

    async def forget(self, update_id: int) -> None:
        await self.redis.delete(self._key(update_id), self._attempts_key(update_id))


class FallbackLedger:
    """Redis first; the database when Redis cannot be reached.

    A claim made on the database is also completed/released there. A claim made on Redis
    that cannot be completed there (Redis died during the work) is completed on the
    database, where the Redis ledger looks before running an update it thinks is new.
    """

    def __init__(self, primary: RedisLedger, fallback: DatabaseLedger) -> None:
        self.primary = primary
        self.fallback = fallback
        self._used: dict[int, UpdateLedger] = {}

    async def claim(self, update_id: int, reads: Reads = ()) -> Ticket:
        try:
            result = await self.primary.claim(update_id, reads)
            self._used[update_id] = self.primary
            return result
        except REDIS_DOWN as exc:
            log.warning(
                "redis unavailable for the update ledger, using the database: %s",
                type(exc).__name__,
            )
            note_fallback("ledger")
            self._used[update_id] = self.fallback
            return await self.fallback.claim(update_id)

    async def complete(self, update_id: int, writes: Writes = ()) -> None:
        ledger = self._used.pop(update_id, self.primary)
        if ledger is self.primary:
            try:
                await self.primary.complete(update_id, writes)
                return
            except REDIS_DOWN as exc:
                log.warning(
                    "redis failed completing update %s (%s); marking it done in the database",
                    update_id,
                    type(exc).__name__,
                )
                note_fallback("ledger")
        await self.fallback.complete(update_id)

    async def release(self, update_id: int) -> None:
        ledger = self._used.pop(update_id, self.primary)
        try:
            await ledger.release(update_id)
        except REDIS_DOWN:
            log.warning("could not release update %s; its lease will expire", update_id)

    async def forget(self, update_id: int) -> None:
        await self.fallback.forget(update_id)
        await self.primary.forget(update_id)
