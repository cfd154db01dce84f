"""aiosqlite as SQLAlchemy drives it, with one thread hop per statement instead of four.

aiosqlite runs each sqlite3 call on the connection's own thread: the caller queues it and
waits for the thread to hand the answer back to the event loop. SQLAlchemy's adapter makes
a call per cursor step — create, execute, fetch the rows, close — so a statement cost four
such hops, each a queue put, a thread wake-up and a loop wake-up (~70 µs of CPU apiece on
the 2-core machine; a warm ``/start`` sends about fifteen statements on SQLite). Here the
cursor does all four in one function on that thread and keeps what SQLAlchemy reads after
(the rows, ``description``, ``rowcount``, ``lastrowid``). A rollback with no transaction
open (the pool's reset of a connection whose transaction committed) is not sent at all.

Only what SQLite's blocking work sees changes: the statements, their order, the locks
(``BEGIN IMMEDIATE``, the busy timeout) and the errors are sqlite3's own, raised through
the adapter's usual translation. ``lucien.db.engine`` hands it to SQLAlchemy as the
dialect's DBAPI module (``module=``); the dialect is still ``sqlite+aiosqlite``.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.util import EMPTY_DICT, await_only

log = logging.getLogger(__name__)

#: What a statement leaves behind: description, rows, rowcount, lastrowid.
_Outcome = tuple[Any, list[Any], int, int | None]


def _run(
    raw: sqlite3.Connection, begin: str | None, many: bool, operation: str, parameters: Any
) -> _Outcome:
    """On the connection's thread: the transaction's ``BEGIN`` if it is still to be sent,
    then the whole statement, cursor to close."""
    cursor = raw.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in one hop to aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor: no hop
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _one_hop(self, many: bool, operation: Any, parameters: Any) -> None:
        adapted: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        connection = self._connection
        async with adapted._execute_mutex:
            begin, adapted.pending_begin = adapted.pending_begin, None
            outcome: _Outcome = await connection._execute(
                _run, connection._conn, begin, many, operation, parameters
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_only(self._one_hop(False, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_only(self._one_hop(True, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _async_soft_close(self) -> None:
        return None  # nothing open on the thread

    def close(self) -> None:
        self._rows.clear()


class PendingBeginSSCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """The stock server-side cursor (``stream``), which sends a pending ``BEGIN`` first."""

    __slots__ = ()

    async def _send_pending_begin(self) -> None:
        adapted: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        begin, adapted.pending_begin = adapted.pending_begin, None
        if begin is not None:
            connection = self._connection
            await connection._execute(connection._conn.execute, begin)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._send_pending_begin()
        return await super()._execute_async(operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._send_pending_begin()
        return await super()._executemany_async(operation, seq_of_parameters)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("pending_begin",)
    _cursor_cls = OneHopCursor
    _ss_cursor_cls = PendingBeginSSCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        #: A ``BEGIN …`` the transaction's first statement sends in its own hop
        #: (``lucien.db.engine``'s begin hook): a hop and an execution fewer per transaction.
        self.pending_begin: str | None = None

    def begin(self, statement: str) -> None:
        self.pending_begin = statement

    def _to_end(self) -> bool:
        """Forget a ``BEGIN`` never sent; whether sqlite3 holds a transaction to end.

        Asking sqlite3 costs no hop. Nothing is open when nothing was sent, when each
        statement committed on its own (``statementwise``), or — for the pool's rollback
        of every returned connection — after a commit.
        """
        self.pending_begin = None
        raw = self._connection._connection
        return raw is None or raw.in_transaction

    def commit(self) -> None:
        if self._to_end():
            super().commit()

    def rollback(self) -> None:
        if self._to_end():
            super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


#: The private parts this module leans on. Should a new aiosqlite or SQLAlchemy drop one,
#: the engine falls back to SQLAlchemy's own adapter (slower, never wrong) and says so once.
_RELIED_ON = (
    (aiosqlite.Connection, "_execute"),
    (aiosqlite.Connection, "_conn"),
    (AsyncAdapt_aiosqlite_connection, "_handle_exception"),
    (AsyncAdapt_aiosqlite_connection, "_cursor_cls"),
    (AsyncAdapt_aiosqlite_dbapi, "connect"),
)


def missing_parts() -> list[str]:
    return [f"{owner.__name__}.{name}" for owner, name in _RELIED_ON if not hasattr(owner, name)]


def one_hop_dbapi() -> OneHopDBAPI | None:
    """The module to hand ``create_async_engine(..., module=…)`` for ``sqlite+aiosqlite``,
    or None (SQLAlchemy's own adapter) when the installed versions lack what it relies on."""
    missing = missing_parts()
    if missing:
        log.warning("SQLite one-hop driver off (not in this aiosqlite/SQLAlchemy: %s)", missing)
        return None
    return OneHopDBAPI(aiosqlite, sqlite3)
