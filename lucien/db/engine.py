"""Engines and sessions for a stateless process.

``NullPool`` for PostgreSQL: a connection lives only as long as the request that opened
it, so a frozen Lambda or a scaled-down Railway replica never holds a server connection,
and a small ``max_connections`` is enough. SQLite has no server to hold connections on:
its engine keeps a few open (``SQLITE_POOL``), because opening one — a file, a thread for
aiosqlite and four PRAGMAs — cost more than the rest of a warm ``/start`` on SQLite
(CPU per update 52.5 → 33.4 ms in bench/load.py), and its statements go to aiosqlite's
thread in one hop each (``lucien.db.sqlite_driver``). asyncpg's statement cache is off and
prepared statements get unique names so a transaction-pooling PgBouncer never mixes them
between clients.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool

from lucien.db.url import dialect_of, normalize_database_url, ssl_from_url

#: Kept-open SQLite connections: writers queue on SQLite's lock anyway, so a few suffice;
#: the overflow is closed when returned.
SQLITE_POOL: dict[str, Any] = {"pool_size": 4, "max_overflow": 16, "pool_recycle": 3600}


def _unique_statement_name() -> str:
    return f"__lucien_{uuid.uuid4().hex}__"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalize_database_url(url)
    connect_args: dict[str, Any] = {}
    if dialect_of(url) == "postgresql":
        url, ssl = ssl_from_url(url)
        connect_args = {
            "statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
            "server_settings": {"application_name": "lucien"},
            "timeout": 10,
            "ssl": ssl,
        }
    else:
        # Concurrent writers wait for the lock instead of failing at once.
        connect_args = {"timeout": 30}
        if "+aiosqlite" in url:  # one thread hop per statement (lucien.db.sqlite_driver)
            from lucien.db.sqlite_driver import one_hop_dbapi  # not imported for PostgreSQL

            module = one_hop_dbapi()
            if module is not None:
                kwargs.setdefault("module", module)
    # hide_parameters: a failing statement's message never carries a person's data into logs.
    kwargs.setdefault("hide_parameters", True)
    if dialect_of(url) == "sqlite" and ":memory:" not in url and "mode=memory" not in url:
        pool: dict[str, Any] = {"poolclass": AsyncAdaptedQueuePool, **SQLITE_POOL}
    else:
        pool = {"poolclass": NullPool}
    engine = create_async_engine(url, connect_args=connect_args, **pool, **kwargs)
    if dialect_of(url) == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is disabled so that BEGIN is ours (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the database; it only skips an fsync per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


#: Execution option (``statementwise``): on SQLite no ``BEGIN`` is sent, so each statement
#: is a transaction of its own and holds the write lock only while it runs.
STATEMENTWISE = "lucien_statementwise"


async def statementwise(session: AsyncSession) -> AsyncConnection:
    """The session's connection, on SQLite without a transaction around its statements.

    For work whose statements are each atomic on their own and need not be atomic
    together (an upsert, a conditional update, reads). Under ``BEGIN IMMEDIATE`` the write
    lock is held from the first statement to the commit: across every thread hop and every
    turn of the event loop in between, while other updates of the process run and other
    writers sleep in SQLite's busy handler. A statement alone holds it for one hop, and
    needs no ``COMMIT``. Must be the session's first use; PostgreSQL ignores the option.
    """
    return await session.connection(execution_options={STATEMENTWISE: True})


def _sqlite_on_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: two transactions never both read a
    # row and then race to write it, which makes conditional updates safe on SQLite too.
    # The one-hop driver sends it with the transaction's first statement, before it.
    if conn.get_execution_options().get(STATEMENTWISE):
        return
    from lucien.db.sqlite_driver import OneHopConnection  # loaded with the SQLite engine

    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, OneHopConnection):
        dbapi_connection.begin("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine, **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, **kwargs)
