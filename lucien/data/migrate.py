"""``lucien migrate-data SOURCE TARGET``: copy a whole database, verified, or nothing.

Source and target must be at the same Alembic head (an empty target is migrated first).
Tables are copied parents first, in batches, keeping every id; each value is normalised
on the way (``values``) and a value that would change meaning stops the copy with a report
naming table, row and column. Everything is written in one target transaction that is
committed only after the target, read back, has the source's count and checksum for every
table; PostgreSQL sequences are moved past the copied ids before that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lucien.data.checksums import Fingerprint
from lucien.data.rows import MAX_REPORTED, Problem, check_row, fingerprint
from lucien.data.schema import DataError, bring_to, describe, drift, require_head
from lucien.data.tables import TableSpec, counts, empty, insert, raw_batches, reset_sequences
from lucien.db.engine import create_engine
from lucien.db.url import normalize_database_url

BATCH = 1000


@dataclass
class Summary:
    status: str  # ok | unchanged | dry-run | refused | mismatch | error
    source: dict[str, Fingerprint] = field(default_factory=dict)
    target: dict[str, Fingerprint] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "unchanged", "dry-run")

    @property
    def rows(self) -> int:
        return sum(fp.rows for fp in self.source.values())

    def as_dict(self) -> dict[str, Any]:
        tables = {}
        for name, fp in self.source.items():
            entry: dict[str, Any] = fp.as_dict()
            if name in self.target:
                theirs = self.target[name]
                entry.update(
                    target_rows=theirs.rows, target_checksum=theirs.checksum, match=theirs == fp
                )
            tables[name] = entry
        out: dict[str, Any] = {"status": self.status}
        if self.error:
            out["error"] = self.error
        out.update(
            rows=self.rows,
            seconds=round(self.seconds, 3),
            rows_per_second=round(self.rows / self.seconds) if self.seconds else None,
            tables=tables,
            problem_count=len(self.problems),
            problems=[p.as_dict() for p in self.problems[:MAX_REPORTED]],
        )
        return out


async def _copy(
    source: AsyncConnection,
    target: AsyncConnection | None,
    pairs: list[tuple[TableSpec, TableSpec]],
    batch_size: int,
    summary: Summary,
) -> None:
    """Read every source row, normalised; write it unless a problem has been seen."""
    for source_spec, target_spec in pairs:
        fp = summary.source[source_spec.name] = Fingerprint()
        async for batch in raw_batches(source, source_spec, batch_size):
            good = []
            for raw in batch:
                checked = check_row(source_spec, raw, summary.problems)
                if checked is not None:
                    fp.add(checked.canonical)
                    good.append(checked.values)
            if target is not None and not summary.problems:
                await insert(target, target_spec, good)


async def _snapshot(conn: AsyncConnection) -> AsyncConnection:
    """A consistent read of the whole source while it is copied."""
    if conn.dialect.name == "postgresql":
        await conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


async def migrate_data(
    source_url: str,
    target_url: str,
    *,
    force: bool = False,
    dry_run: bool = False,
    batch_size: int = BATCH,
) -> Summary:
    started = time.perf_counter()
    summary = Summary("ok")
    source_url, target_url = normalize_database_url(source_url), normalize_database_url(target_url)
    if source_url == target_url:
        raise DataError("source and target are the same database")
    source_engine, target_engine = create_engine(source_url), create_engine(target_url)
    try:
        source_rev, source_specs = await describe(source_engine)
        head = require_head("source", source_rev)
        if dry_run:
            async with source_engine.connect() as src:
                await _copy(
                    await _snapshot(src), None, [(s, s) for s in source_specs], batch_size, summary
                )
            summary.status = "refused" if summary.problems else "dry-run"
            return summary
        target_specs = await bring_to(target_url, target_engine, head)
        drifted = drift(source_specs, target_specs)
        if drifted:
            raise DataError("schema drift: " + "; ".join(drifted))
        by_name = {s.name: s for s in target_specs}
        pairs = [(s, by_name[s.name]) for s in source_specs]
        async with source_engine.connect() as src, target_engine.connect() as dst:
            await _snapshot(src)
            held = {k: v for k, v in (await counts(dst, target_specs)).items() if v}
            await dst.rollback()
            if held and not force:
                await _already_there(src, dst, source_specs, target_specs, held, summary)
                return summary
            async with dst.begin() as transaction:
                if held:
                    await empty(dst, target_specs)
                await _copy(src, dst, pairs, batch_size, summary)
                if summary.problems:
                    summary.status = "refused"
                    await transaction.rollback()
                    return summary
                await reset_sequences(dst, target_specs)
                summary.target, _ = await fingerprint(dst, target_specs, batch_size)
                if summary.target != summary.source:
                    summary.status = "mismatch"
                    await transaction.rollback()
        return summary
    finally:
        summary.seconds = time.perf_counter() - started
        await source_engine.dispose()
        await target_engine.dispose()


async def _already_there(
    src: AsyncConnection,
    dst: AsyncConnection,
    source_specs: list[TableSpec],
    target_specs: list[TableSpec],
    held: dict[str, int],
    summary: Summary,
) -> None:
    """A second run finds its own copy (nothing to do); any other content is refused."""
    summary.source, summary.problems = await fingerprint(src, source_specs)
    summary.target, _ = await fingerprint(dst, target_specs)
    if summary.source == summary.target and not summary.problems:
        summary.status = "unchanged"
        return
    where = ", ".join(f"{k} ({v})" for k, v in list(held.items())[:5])
    summary.status = "error"
    summary.error = f"the target is not empty: {where}; --force empties it first"
