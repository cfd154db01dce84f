"""What one update (or one cron run) did: SQL statements, Telegram calls, the handler that
answered, the role, fallbacks taken.

An ``Observation`` lives in a context variable for the duration of the unit of work; the
probes below add to it with a few attribute updates each, so observing costs microseconds.
Statements are kept as SQLAlchemy's compiled text (placeholders, never parameter values).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_current: ContextVar[Observation | None] = ContextVar("lucien_observation", default=None)


@dataclass(slots=True)
class TelegramCall:
    method: str
    ms: float
    error: str | None = None


@dataclass(slots=True)
class Observation:
    kind: str
    update_id: int | None = None
    started: float = field(default_factory=time.perf_counter)
    handler: str | None = None
    role: str | None = None
    outcome: str | None = None
    error: str | None = None
    duration_ms: float = 0.0
    sql: int = 0
    statements: Counter[str] = field(default_factory=Counter)
    telegram: list[TelegramCall] = field(default_factory=list)
    fallbacks: set[str] = field(default_factory=set)
    cache: Counter[tuple[str, str]] = field(default_factory=Counter)

    def finish(self, outcome: str) -> None:
        self.outcome = outcome
        self.duration_ms = round((time.perf_counter() - self.started) * 1000, 2)

    def shapes(self, limit: int = 5) -> list[tuple[str, int]]:
        """The most repeated statements, squeezed to one line (for the N+1 alarm)."""
        return [(shape(sql), n) for sql, n in self.statements.most_common(limit)]


def current() -> Observation | None:
    return _current.get()


@contextmanager
def observing(observation: Observation) -> Iterator[Observation]:
    token = _current.set(observation)
    try:
        yield observation
    finally:
        _current.reset(token)


def note_fallback(store: str) -> None:
    """Redis could not be used for ``store`` (ledger, fsm, voice…); the database served."""
    obs = _current.get()
    if obs is not None:
        obs.fallbacks.add(store)


def note_cache(cache: str, hit: bool) -> None:
    """A cache lookup's result, for the hit/miss counters."""
    obs = _current.get()
    if obs is not None:
        obs.cache[(cache, "hit" if hit else "miss")] += 1


def shape(statement: str, width: int = 160) -> str:
    squeezed = " ".join(statement.split())
    return squeezed if len(squeezed) <= width else squeezed[: width - 1] + "…"


# -- probes --------------------------------------------------------------------------------


def _on_sql(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    obs = _current.get()
    if obs is not None:
        obs.sql += 1
        obs.statements[statement] += 1


def instrument_engine(engine: Any) -> None:
    """Count every statement the engine sends (once per engine)."""
    sync = engine.sync_engine
    if getattr(sync, "_lucien_observed", False):
        return
    from sqlalchemy import event

    event.listen(sync, "before_cursor_execute", _on_sql)
    sync._lucien_observed = True


class TelegramProbe:
    """aiogram request middleware: each Bot API call's method, duration and error class."""

    async def __call__(
        self, make_request: Callable[[Any, Any], Awaitable[Any]], bot: Any, method: Any
    ) -> Any:
        obs = _current.get()
        if obs is None:
            return await make_request(bot, method)
        started = time.perf_counter()
        error: str | None = None
        try:
            return await make_request(bot, method)
        except Exception as exc:
            error = type(exc).__name__
            raise
        finally:
            obs.telegram.append(
                TelegramCall(
                    getattr(method, "__api_method__", type(method).__name__),
                    round((time.perf_counter() - started) * 1000, 2),
                    error,
                )
            )


def instrument_bot(bot: Any) -> None:
    session = bot.session
    if getattr(session, "_lucien_observed", False):
        return
    session.middleware(TelegramProbe())
    session._lucien_observed = True


def handler_name(callback: Any) -> str:
    """How the operations panel, the dead-letter alerts and the profiles name a handler."""
    module = getattr(callback, "__module__", "").removeprefix("lucien.bot.routers.")
    return f"{module}.{getattr(callback, '__qualname__', '?')}"


class HandlerProbe:
    """aiogram inner middleware: which handler answered, with which role, and what it raised."""

    async def __call__(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        obs = _current.get()
        if obs is not None:
            callback = getattr(data.get("handler"), "callback", None)
            if callback is not None:
                obs.handler = handler_name(callback)
            role = data.get("role")
            if role is not None:
                obs.role = str(getattr(role, "value", role))
        try:
            return await handler(event, data)
        except Exception as exc:
            if obs is not None:
                obs.error = type(exc).__name__
            raise


def instrument_dispatcher(dispatcher: Any) -> None:
    if getattr(dispatcher, "_lucien_observed", False):
        return
    from lucien.telegram.updates import ALLOWED_UPDATES  # the update types the handlers use

    probe = HandlerProbe()
    for name in ALLOWED_UPDATES:
        dispatcher.observers[name].middleware(probe)
    dispatcher._lucien_observed = True


def update_kind(update: Any) -> str:
    """``message``, ``callback_query``… (aiogram's own name for the update's payload)."""
    try:
        return str(update.event_type)
    except Exception:
        return "unknown"
