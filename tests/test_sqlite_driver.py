"""The one-hop aiosqlite cursor (``lucien.db.sqlite_driver``) answers as the stock one does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from lucien.db.engine import create_engine
from lucien.db.sqlite_driver import OneHopConnection


def count_hops(aio: Any, into: list[str]) -> None:
    """Record the name of each function ``aio`` (an aiosqlite connection) sends to its
    thread: one entry per hop."""
    real = aio._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        into.append(getattr(fn, "__name__", "?"))
        return await real(fn, *args, **kwargs)

    aio._execute = counted


async def test_statements_rows_counts_and_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/one.db")
    hops: list[str] = []
    try:
        async with engine.begin() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.dbapi_connection, OneHopConnection)
            count_hops(raw.driver_connection, hops)
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            assert inserted.rowcount == 1 and inserted.lastrowid == 1
            many = await conn.execute(
                text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}]
            )
            assert many.rowcount == 2
            ignored = await conn.execute(
                text("INSERT INTO t (v) VALUES ('a') ON CONFLICT DO NOTHING")
            )
            assert ignored.rowcount == 0
            returned = await conn.execute(text("UPDATE t SET v = v || '!' RETURNING id, v"))
            assert sorted(returned.all()) == [(1, "a!"), (2, "b!"), (3, "c!")]
            result = await conn.execute(
                text("SELECT id, v FROM t WHERE id > :n ORDER BY id"), {"n": 1}
            )
            assert list(result.keys()) == ["id", "v"] and result.all() == [(2, "b!"), (3, "c!")]
            assert hops == ["_run"] * 6  # one hop per statement, executemany included
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (v) VALUES ('a!')"))
            with pytest.raises(OperationalError):
                await conn.execute(text("SELECT nope FROM t"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 3
    finally:
        await engine.dispose()


async def test_a_rollback_undoes_and_a_committed_connection_is_not_rolled_back(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/two.db")
    sent: list[str] = []
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT)"))
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t VALUES ('x')"))
            await conn.rollback()
            count_hops((await conn.get_raw_connection()).driver_connection, sent)
        assert sent == []  # returned to the pool after the rollback: no second one sent
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
            await conn.execute(text("INSERT INTO t VALUES ('y')"))
        # closed without a commit: the pool's reset rolled it back
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
    finally:
        await engine.dispose()


def test_only_the_aiosqlite_driver_gets_it(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/three.db")
    assert type(engine.dialect.loaded_dbapi).__name__ == "OneHopDBAPI"
    pg = create_engine("postgresql://u@127.0.0.1:1/x")
    assert type(pg.dialect.loaded_dbapi).__name__ != "OneHopDBAPI"


async def test_without_the_private_parts_it_relies_on_sqlalchemy_s_adapter_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import aiosqlite

    from lucien.db import sqlite_driver

    assert sqlite_driver.missing_parts() == []  # the installed versions: the driver is on
    monkeypatch.delattr(aiosqlite.Connection, "_execute")
    engine = create_engine(f"sqlite:///{tmp_path}/stock.db")
    assert type(engine.dialect.loaded_dbapi).__name__ != "OneHopDBAPI"
    assert "Connection._execute" in caplog.text
    monkeypatch.undo()  # the stock adapter runs on aiosqlite's own (restored) machinery
    async with engine.begin() as connection:
        assert (await connection.execute(text("select 41 + 1"))).scalar_one() == 42
    await engine.dispose()


async def test_the_write_lock_is_taken_with_the_first_statement(tmp_path: Path) -> None:
    """``BEGIN IMMEDIATE`` rides with the transaction's first statement: from then on a
    second writer waits (here: fails at once), so conditional updates stay atomic."""
    import sqlite3

    engine = create_engine(f"sqlite:///{tmp_path}/four.db")
    path = f"{tmp_path}/four.db"
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT)"))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        async with engine.begin() as conn:
            other.execute("BEGIN IMMEDIATE")  # nothing sent yet: the lock is free
            other.execute("ROLLBACK")
            await conn.execute(text("SELECT count(*) FROM t"))  # a read, yet it locks
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            await conn.execute(text("INSERT INTO t VALUES ('x')"))
        other.execute("BEGIN IMMEDIATE")  # committed: free again
        assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
        other.execute("ROLLBACK")
        async with engine.begin() as conn:  # a transaction that sends nothing commits nothing
            pass
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t VALUES ('y')"))
            await conn.rollback()
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
        other.close()
    finally:
        await engine.dispose()


async def test_statementwise_holds_the_write_lock_only_while_a_statement_runs(
    tmp_path: Path,
) -> None:
    import sqlite3

    from lucien.db.engine import session_factory, statementwise

    path = f"{tmp_path}/five.db"
    engine = create_engine(f"sqlite:///{path}")
    sessions = session_factory(engine)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT)"))
        async with sessions.begin() as session:
            connection = await statementwise(session)
            await connection.execute(text("INSERT INTO t VALUES ('x')"))
            # committed already, and the lock is free while the session is still open
            assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        async with sessions.begin() as session:  # the default: one transaction, locked
            await session.execute(text("INSERT INTO t VALUES ('y')"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
        assert other.execute("SELECT count(*) FROM t").fetchone() == (2,)
    finally:
        other.close()
        await engine.dispose()


async def test_a_streamed_first_statement_takes_the_lock_too(tmp_path: Path) -> None:
    """A server-side cursor (``stream``, the data export) is the stock one: it sends the
    pending ``BEGIN`` before its statement, so the transaction holds from its start."""
    import sqlite3

    path = f"{tmp_path}/six.db"
    engine = create_engine(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT)"))
            await conn.execute(text("INSERT INTO t VALUES ('x'), ('y')"))
        async with engine.begin() as conn:
            result = await conn.stream(text("SELECT v FROM t ORDER BY v"))
            assert [row[0] async for row in result] == ["x", "y"]
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        await engine.dispose()
