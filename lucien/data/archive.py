"""``lucien export FILE`` / ``lucien import FILE``: a portable, versioned backup.

The archive is a zip file: ``tables/<name>.jsonl`` (one canonical JSON object per row, in
primary-key order) and ``manifest.json`` (format version, schema revision, and per table
its file, columns, row count and checksum). Rows stream through in batches both ways, so
memory stays flat whatever the size. Import restores into an empty database at the
archive's revision (created, or moved there while empty), verifies every table against the
manifest before committing, then upgrades to this Lucien's head: an older archive is
bridged by the migrations, a revision this Lucien does not know is refused.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lucien.data.checksums import Fingerprint, row_bytes
from lucien.data.rows import Problem, check_row, fingerprint
from lucien.data.schema import DataError, bring_to, describe, known_revisions
from lucien.data.tables import TableSpec, counts, empty, insert, raw_batches, reset_sequences
from lucien.db.engine import create_engine
from lucien.db.migrations import expected_head, upgrade

FORMAT = "lucien-archive"
VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000


def _member(name: str) -> str:
    return f"tables/{name}.jsonl"


async def export_archive(
    database_url: str, path: str | Path, batch_size: int = BATCH
) -> dict[str, Any]:
    """Write the archive (via a temporary file, renamed at the end); returns the manifest."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execution_options(isolation_level="REPEATABLE READ")
            rev, specs = await describe(engine)
            if rev is None:
                raise DataError("the database has no schema (run `lucien migrate` first)")
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "version": VERSION,
                "schema_revision": rev,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "tables": [],
            }
            problems: list[Problem] = []
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for spec in specs:
                    fp = Fingerprint()
                    with archive.open(_member(spec.name), "w", force_zip64=True) as raw_out:
                        out = io.BufferedWriter(raw_out, buffer_size=1 << 16)  # type: ignore[arg-type]
                        async for batch in raw_batches(conn, spec, batch_size):
                            for raw in batch:
                                checked = check_row(spec, raw, problems)
                                if checked is None:
                                    continue
                                line = row_bytes(checked.canonical)
                                fp.add_bytes(line)
                                out.write(line + b"\n")
                        out.flush()
                    manifest["tables"].append(
                        {
                            "name": spec.name,
                            "file": _member(spec.name),
                            "columns": spec.column_names,
                            **fp.as_dict(),
                        }
                    )
                if problems:
                    raise DataError(
                        f"{len(problems)} value(s) cannot be archived without changing them, "
                        f"first: {problems[0].line()}"
                    )
                manifest["seconds"] = round(time.perf_counter() - started, 3)
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        os.replace(partial, path)
        return manifest
    finally:
        partial.unlink(missing_ok=True)
        await engine.dispose()


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError):
        raise DataError("not a Lucien archive (no readable manifest.json)") from None
    if manifest.get("format") != FORMAT:
        raise DataError("not a Lucien archive (unknown format)")
    if manifest.get("version") != VERSION:
        raise DataError(f"archive format version {manifest.get('version')} is not supported")
    revision = manifest.get("schema_revision")
    if revision not in known_revisions():
        raise DataError(
            f"the archive is at schema revision {revision}, which this Lucien cannot bridge "
            f"(it knows {', '.join(known_revisions())}): restore it with a newer Lucien"
        )
    return manifest


def _lines(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    try:
        with archive.open(member) as stream:
            yield from stream  # zipfile's reader buffers and splits lines itself
    except KeyError:
        raise DataError(f"the archive lacks {member}") from None


async def _load(
    conn: AsyncConnection,
    archive: zipfile.ZipFile,
    entry: dict[str, Any],
    spec: TableSpec,
    batch_size: int,
) -> Fingerprint:
    if list(entry["columns"]) != spec.column_names:
        raise DataError(
            f"table {spec.name}: the archive has columns {entry['columns']}, "
            f"the database {spec.column_names}"
        )
    fp = Fingerprint()
    problems: list[Problem] = []
    batch: list[dict[str, Any]] = []
    for number, line in enumerate(_lines(archive, entry["file"]), start=1):
        try:
            record = json.loads(line)
            raw = [record[c] for c in spec.column_names]
        except (ValueError, KeyError, TypeError):
            raise DataError(f"{entry['file']} line {number} is damaged") from None
        checked = check_row(spec, raw, problems)
        if checked is None:
            raise DataError(f"{entry['file']} line {number}: {problems[-1].line()}")
        fp.add(checked.canonical)
        batch.append(checked.values)
        if len(batch) >= batch_size:
            await insert(conn, spec, batch)
            batch = []
    await insert(conn, spec, batch)
    return fp


async def import_archive(
    database_url: str, path: str | Path, *, force: bool = False, batch_size: int = BATCH
) -> dict[str, Any]:
    """Restore the archive into ``database_url``; returns a summary (raises ``DataError``)."""
    started = time.perf_counter()
    engine = create_engine(database_url)
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = read_manifest(archive)
            revision = manifest["schema_revision"]
            async with engine.connect() as conn:
                rev, present = await describe(engine)
                held = {k: v for k, v in (await counts(conn, present)).items() if v}
            if held:
                if not force or rev != revision:
                    where = ", ".join(f"{k} ({v})" for k, v in list(held.items())[:5])
                    hint = (
                        "--force empties it first"
                        if rev == revision
                        else "restore into an empty database"
                    )
                    raise DataError(f"the database is not empty: {where}; {hint}")
            specs = await bring_to(database_url, engine, revision)
            by_name = {s.name: s for s in specs}
            entries = manifest["tables"]
            names = [e["name"] for e in entries]
            if sorted(names) != sorted(by_name):
                raise DataError(
                    f"the archive's tables {sorted(names)} differ from the database's "
                    f"{sorted(by_name)} at revision {revision}"
                )
            tables: dict[str, Any] = {}
            async with engine.connect() as conn, conn.begin() as transaction:
                if held:
                    await empty(conn, specs)
                for spec in specs:  # parents first, whatever order the manifest lists
                    entry = entries[names.index(spec.name)]
                    loaded = await _load(conn, archive, entry, spec, batch_size)
                    expected = {"rows": entry["rows"], "checksum": entry["checksum"]}
                    if loaded.as_dict() != expected:
                        raise DataError(
                            f"table {spec.name}: the archive's rows give {loaded.as_dict()}, "
                            f"its manifest says {expected} (the archive is damaged)"
                        )
                    tables[spec.name] = expected
                await reset_sequences(conn, specs)
                stored, _ = await fingerprint(conn, specs, batch_size)
                for name, fp in stored.items():
                    if fp.as_dict() != tables[name]:
                        await transaction.rollback()
                        raise DataError(
                            f"table {name}: the database holds {fp.as_dict()} after the "
                            f"import, expected {tables[name]}"
                        )
        upgraded = revision != expected_head()
        if upgraded:
            import asyncio

            await asyncio.to_thread(upgrade, database_url)
        return {
            "status": "ok",
            "schema_revision": revision,
            "upgraded_to": expected_head() if upgraded else None,
            "rows": sum(t["rows"] for t in tables.values()),
            "seconds": round(time.perf_counter() - started, 3),
            "tables": tables,
        }
    finally:
        await engine.dispose()
