"""Whole tables of whatever revision a database is at: read raw, write in batches.

The schema is reflected from the database itself rather than taken from the models, so an
archive of an older revision is read and restored with the columns it really has, and
tables added by later revisions are carried without anyone listing them here.
Rows are read in primary-key order through a server-side cursor (constant memory); on
SQLite text comes back as bytes so that invalid UTF-8 is reported, not raised mid-fetch.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from lucien.data.values import ColumnSpec, Converter, Kind, converter, spec_of

ALEMBIC = "alembic_version"


@dataclass(frozen=True)
class TableSpec:
    table: Table
    columns: list[ColumnSpec]
    primary_key: list[str]
    converters: list[Converter]

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def table_spec(table: Table) -> TableSpec:
    columns = [spec_of(c) for c in table.columns]
    return TableSpec(
        table,
        columns,
        [c.name for c in table.primary_key.columns],
        [converter(c) for c in columns],
    )


async def reflect(conn: AsyncConnection) -> list[TableSpec]:
    """Every table but Alembic's, parents before children (foreign-key order)."""
    metadata = MetaData()
    await conn.run_sync(lambda sync: metadata.reflect(sync))
    return [table_spec(t) for t in metadata.sorted_tables if t.name != ALEMBIC]


async def revision(conn: AsyncConnection) -> str | None:
    """The Alembic revision the database is at (None: no schema yet)."""
    has = await conn.run_sync(lambda sync: inspect(sync).has_table(ALEMBIC))
    if not has:
        return None
    value = await conn.scalar(text(f"SELECT version_num FROM {ALEMBIC}"))
    return str(value) if value is not None else None


def _select_sql(conn: AsyncConnection, spec: TableSpec) -> str:
    quote = conn.dialect.identifier_preparer.quote
    exprs = []
    for column in spec.columns:
        name = quote(column.name)
        if conn.dialect.name == "sqlite":
            # pysqlite decodes text itself and fails the whole fetch on bad UTF-8.
            name = f"CASE WHEN typeof({name}) = 'text' THEN CAST({name} AS BLOB) ELSE {name} END"
        exprs.append(name)
    order = ", ".join(quote(k) for k in spec.primary_key) or "1"
    return f"SELECT {', '.join(exprs)} FROM {quote(spec.name)} ORDER BY {order}"


async def raw_batches(
    conn: AsyncConnection, spec: TableSpec, batch_size: int
) -> AsyncIterator[Sequence[Any]]:
    """Rows as the database stores them (no type processing), ``batch_size`` at a time."""
    result = await conn.stream(text(_select_sql(conn, spec)))
    async for part in result.partitions(batch_size):
        yield part


async def counts(conn: AsyncConnection, specs: Sequence[TableSpec]) -> dict[str, int]:
    out = {}
    for spec in specs:
        out[spec.name] = int(await conn.scalar(select(func.count()).select_from(spec.table)) or 0)
    return out


async def empty(conn: AsyncConnection, specs: Sequence[TableSpec]) -> None:
    """Delete every row (children first), resetting PostgreSQL sequences."""
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(s.name) for s in specs)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for spec in reversed(specs):
        await conn.execute(spec.table.delete())


async def insert(conn: AsyncConnection, spec: TableSpec, rows: list[dict[str, Any]]) -> None:
    """A batch of normalised rows; PostgreSQL gets them through ``COPY`` (binary)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(spec.table.insert(), rows)
        return
    names = spec.column_names
    json_columns = {c.name for c in spec.columns if c.kind is Kind.JSON}
    records = [
        tuple(
            (None if row[n] is None else json.dumps(row[n])) if n in json_columns else row[n]
            for n in names
        )
        for row in rows
    ]
    raw = (await conn.get_raw_connection()).driver_connection
    if not raw.is_in_transaction():  # type: ignore[union-attr]
        # SQLAlchemy opens asyncpg's transaction lazily, on its first statement: without
        # one, COPY would commit on its own and a failed verification could not undo it.
        await conn.execute(text("SELECT 1"))
    # asyncpg encodes JSON from text (the codec SQLAlchemy registers), the rest as is.
    await raw.copy_records_to_table(spec.name, records=records, columns=names)  # type: ignore[union-attr]


async def reset_sequences(conn: AsyncConnection, specs: Sequence[TableSpec]) -> None:
    """Kept ids → PostgreSQL's sequences must start after the largest one."""
    if conn.dialect.name != "postgresql":
        return  # SQLite picks max(rowid) + 1 by itself
    for spec in specs:
        if len(spec.primary_key) != 1:
            continue
        (key,) = spec.primary_key
        column = next(c for c in spec.columns if c.name == key)
        if column.kind not in (Kind.INT32, Kind.INT64):
            continue
        quote = conn.dialect.identifier_preparer.quote
        sequence = await conn.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": quote(spec.name), "column": key},
        )
        if sequence is None:
            continue
        await conn.execute(
            text(
                f"SELECT setval(CAST(:seq AS regclass), "
                f"COALESCE((SELECT MAX({quote(key)}) FROM {quote(spec.name)}), 0) + 1, false)"
            ),
            {"seq": sequence},
        )
