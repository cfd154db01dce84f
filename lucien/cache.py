"""A read-through Redis cache for what every update reads: configuration and roles.

Each update needs the bot configuration (channel ids, time zone, waits) and the speaker's
role (an owner-granted admin, an active subscription until when). Both change rarely and
are read on every update, so they are kept in Redis:

* **Read-through.** A miss reads the database (one statement for both role facts) and
  stores the answer; a hit costs no SQL.
* **Write-through invalidation, on every write path at once.** Every session the runtime
  makes reports which tables it wrote (ORM flushes and ``insert``/``update``/``delete``
  statements alike, see ``install``); when it commits, the generation of each affected
  group is bumped (``INCR``). Keys carry the generations they were read under, so the
  next update reads under the new generation, misses, and sees the database. No write
  path has to remember to invalidate: a new one is covered by construction.
* **Versioned keys.** ``VERSION`` plus a digest of the cached columns is in every key: a
  deploy whose schema differs never reads an old shape.
* **Time.** A cached VIP carries the end of the period; it is a VIP only until then, so
  an expiry needs no write to be seen.
* **Graceful degradation.** Redis down → the database, never an error; a bump that fails
  is logged and counted, and the TTLs below bound how long a value cached before the
  outage may live.

TTLs: configuration 300 s, roles 60 s. They matter only when an invalidation was lost
(Redis unreachable at the moment of a write); otherwise a change is seen by the very next
update. Roles get the shorter one because a revoked VIP must not linger.

Hits and misses are counted in ``stats`` (per kind), for the operations endpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
from sqlalchemy import bindparam, event, exists, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from lucien.db.models import AdminGrant, BotConfig, Subscription, utcnow

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

VERSION = 1
CONFIG_TTL = 300
ROLE_TTL = 60

#: Which cached group each table's writes invalidate.
GROUPS: dict[str, str] = {
    BotConfig.__tablename__: "config",
    AdminGrant.__tablename__: "roles",
    Subscription.__tablename__: "roles",
}

_CONFIG_COLUMNS = [c.key for c in BotConfig.__table__.columns]
_SHAPE = hashlib.sha1(
    json.dumps([VERSION, _CONFIG_COLUMNS, "roles:admin,until"]).encode()
).hexdigest()[:8]

#: hits and misses per kind ("config", "role"), and lost invalidations ("bump_failed").
stats: Counter[str] = Counter()

REDIS_DOWN = (RedisError, OSError)

# One round trip: the generations, then the values stored under them.
_READ = """
local gc = redis.call('GET', KEYS[1]) or '0'
local gr = redis.call('GET', KEYS[2]) or '0'
local base = ARGV[1]
return {gc, gr, redis.call('GET', base .. 'config:' .. gc),
        redis.call('GET', base .. 'role:' .. gr .. ':' .. ARGV[2])}
"""


@dataclass(frozen=True)
class RoleFacts:
    granted_admin: bool
    vip_until: datetime | None

    def vip(self, now: datetime) -> bool:
        return self.vip_until is not None and self.vip_until > now


#: Both role facts in one statement, built once (run on the session's connection: the
#: ORM's execution path cost more than the statement on SQLite).
_ROLE_FACTS = select(
    exists().where(AdminGrant.user_id == bindparam("user_id"), AdminGrant.revoked_at.is_(None)),
    select(func.max(Subscription.ends_at))
    .where(Subscription.user_id == bindparam("user_id"), Subscription.status == "active")
    .scalar_subquery(),
)


async def read_role_facts(session: AsyncSession, user_id: int) -> RoleFacts:
    """Both role facts in one statement: an active grant, and the last active period's end."""
    connection = await session.connection()
    row = (await connection.execute(_ROLE_FACTS, {"user_id": user_id})).one()
    until = row[1]
    if until is not None and until.tzinfo is None:  # SQLite hands back naive UTC
        until = until.replace(tzinfo=UTC)
    return RoleFacts(bool(row[0]), until)


def _config_to_json(config: BotConfig) -> str:
    values = {}
    for key in _CONFIG_COLUMNS:
        value = getattr(config, key)
        values[key] = {"dt": value.isoformat()} if isinstance(value, datetime) else value
    return json.dumps(values)


def _config_from_json(raw: bytes | str) -> BotConfig:
    values = json.loads(raw)
    for key, value in values.items():
        if isinstance(value, dict) and "dt" in value:
            values[key] = datetime.fromisoformat(value["dt"])
    return BotConfig(**values)


def _facts_to_json(facts: RoleFacts) -> str:
    until = facts.vip_until.isoformat() if facts.vip_until else None
    return json.dumps([facts.granted_admin, until])


def _facts_from_json(raw: bytes | str) -> RoleFacts:
    admin, until = json.loads(raw)
    return RoleFacts(bool(admin), datetime.fromisoformat(until) if until else None)


def role_key_pattern(prefix: str, user_id: int) -> str:
    """Every cached role of one person, whatever the shape or generation (for erasure)."""
    return f"{prefix}cache:*:role:*:{user_id}"


class UpdateContextCache:
    """Configuration and one person's role facts, read in one Redis round trip."""

    def __init__(self, redis: Redis | None, prefix: str) -> None:
        self.redis = redis
        self.base = f"{prefix}cache:{_SHAPE}:"
        self._generations: tuple[str, str] | None = None

    def _gen_key(self, group: str) -> str:
        return f"{self.base}gen:{group}"

    def lookup_command(self, user_id: int) -> Command:
        """The lookup as one Redis command, for ``prefetch`` (and for ``lookup`` itself)."""
        return (
            "EVAL",
            _READ,
            2,
            self._gen_key("config"),
            self._gen_key("roles"),
            self.base,
            user_id,
        )

    async def lookup(self, user_id: int) -> tuple[BotConfig | None, RoleFacts | None]:
        if self.redis is None:
            return None, None
        try:
            command = self.lookup_command(user_id)
            answer = take_prefetched(command)
            gc, gr, config, facts = (
                await self.redis.eval(*command[1:]) if answer is NOT_PREFETCHED else answer
            )
        except REDIS_DOWN as exc:
            log.warning("redis unavailable for the cache, using the database: %s", exc)
            return None, None
        self._generations = (_text(gc), _text(gr))
        stats["config_hit" if config is not None else "config_miss"] += 1
        stats["role_hit" if facts is not None else "role_miss"] += 1
        return (
            _config_from_json(config) if config is not None else None,
            _facts_from_json(facts) if facts is not None else None,
        )

    async def store(self, user_id: int, config: BotConfig | None, facts: RoleFacts | None) -> None:
        """Keep what was read, under the generations seen *before* reading the database."""
        if self.redis is None or self._generations is None or (config is None and facts is None):
            return
        gc, gr = self._generations
        writes: list[Command] = []
        if config is not None:
            writes.append(
                ("SET", f"{self.base}config:{gc}", _config_to_json(config), "EX", CONFIG_TTL)
            )
        if facts is not None:
            ttl = ROLE_TTL
            if facts.vip(utcnow()) and facts.vip_until is not None:
                left = int((facts.vip_until - utcnow()).total_seconds()) + 1
                ttl = max(1, min(ttl, left))
            writes.append(
                ("SET", f"{self.base}role:{gr}:{user_id}", _facts_to_json(facts), "EX", ttl)
            )
        if defer(writes):
            return  # sent with the ledger's completion
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for command in writes:
                    pipe.execute_command(*command)
                await pipe.execute()
        except REDIS_DOWN:
            pass  # the next update reads the database again

    async def bump(self, groups: set[str]) -> None:
        if self.redis is None or not groups:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for group in sorted(groups):
                    pipe.incr(self._gen_key(group))
                await pipe.execute()
        except REDIS_DOWN as exc:
            stats["bump_failed"] += 1
            log.error(
                "cache invalidation of %s lost (redis: %s); cached values expire within %s s",
                ", ".join(sorted(groups)),
                type(exc).__name__,
                max(CONFIG_TTL, ROLE_TTL),
            )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- prefetch -------------------------------------------------------------------------------
#
# A warm update reads the same few Redis keys every time: its FSM state, this cache, its
# variant memory. Each read was a round trip of its own, and on a small VM every socket
# write costs a fraction of a millisecond of CPU. The pipeline knows those keys before the
# dispatcher runs, so it sends the reads in the same round trip as the ledger claim
# (``lucien.ledger.RedisLedger.claim``) and serves them from here: each prefetched answer
# once, to the exact command that would have fetched it, within the update that fetched
# it. A second read of the same key (after a write, say) goes to Redis as before.

#: A Redis command as sent: ``("GET", key)``, ``("HGETALL", key)``, ``("EVAL", script, n, …)``.
Command = tuple[Any, ...]

NOT_PREFETCHED: Any = object()
_prefetched: ContextVar[dict[Command, Any] | None] = ContextVar("lucien_prefetched", default=None)


def _normal(command: Command) -> Command:
    return tuple(a if isinstance(a, str) else str(a) for a in command)


@contextmanager
def serving(answers: Mapping[Command, Any] | None) -> Iterator[None]:
    """While the update runs, its prefetched reads answer the commands that match them."""
    token = _prefetched.set({_normal(c): v for c, v in answers.items()} if answers else None)
    try:
        yield
    finally:
        _prefetched.reset(token)


def take_prefetched(command: Command) -> Any:
    """The prefetched answer to ``command`` (then forgotten), or ``NOT_PREFETCHED``."""
    answers = _prefetched.get()
    if not answers:
        return NOT_PREFETCHED
    return answers.pop(_normal(command), NOT_PREFETCHED)


_deferred: ContextVar[list[Command] | None] = ContextVar("lucien_deferred", default=None)


@contextmanager
def deferring() -> Iterator[list[Command]]:
    """Cache writes made while the update runs wait for its completion's round trip
    (``RedisLedger.complete``); an update that fails drops them (a later miss refills)."""
    writes: list[Command] = []
    token = _deferred.set(writes)
    try:
        yield writes
    finally:
        _deferred.reset(token)


def defer(commands: list[Command]) -> bool:
    """Queue ``commands`` for the completion's round trip; False when none is coming."""
    writes = _deferred.get()
    if writes is None:
        return False
    writes.extend(commands)
    return True


def take_deferred() -> list[Command]:
    writes = _deferred.get()
    if not writes:
        return []
    taken = list(writes)
    writes.clear()
    return taken


class PrefetchingRedis:
    """A Redis client whose ``get``/``hgetall`` are answered from the prefetch when they can
    be; everything else is the client's own (aiogram's ``RedisStorage`` and the variant
    memory take it in place of the client)."""

    def __init__(self, client: Redis) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def get(self, name: str) -> Any:
        answer = take_prefetched(("GET", name))
        return await self._client.get(name) if answer is NOT_PREFETCHED else answer

    async def hgetall(self, name: str) -> Any:
        answer = take_prefetched(("HGETALL", name))
        return await self._client.hgetall(name) if answer is NOT_PREFETCHED else answer


# --- invalidation -------------------------------------------------------------------------

#: ``session.info`` key: a callable giving the cache to bump for this session's writes.
INFO_KEY = "lucien_cache"
_WRITTEN = "lucien_cache_written"


def _note(session: Session, table_name: str | None) -> None:
    group = GROUPS.get(table_name or "")
    if group is not None and INFO_KEY in session.info:
        session.info.setdefault(_WRITTEN, set()).add(group)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _note(state.session, getattr(table, "name", None))


@event.listens_for(Session, "after_flush")
def _on_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        _note(session, getattr(getattr(obj, "__table__", None), "name", None))


@event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    groups = session.info.pop(_WRITTEN, None)
    if not groups:
        return
    from sqlalchemy.util import await_only

    # The transaction is committed: nothing here may turn it into a failure (a caller
    # would retry work that is done). A lost bump is logged; the TTLs bound it.
    try:
        cache: UpdateContextCache = session.info[INFO_KEY]()
        await_only(cache.bump(groups))
    except Exception:
        stats["bump_failed"] += 1
        log.exception("cache invalidation of %s lost", ", ".join(sorted(groups)))


@event.listens_for(Session, "after_rollback")
def _on_rollback(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


def session_info(cache: Callable[[], UpdateContextCache]) -> dict[str, Any]:
    """``info`` for a session factory whose commits must invalidate ``cache``."""
    return {INFO_KEY: cache}
