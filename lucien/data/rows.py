"""One raw row → its normalised values and canonical form, or the problems that stop it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from lucien.data.checksums import Fingerprint
from lucien.data.tables import TableSpec, raw_batches
from lucien.data.values import Refused

MAX_REPORTED = 200


@dataclass(frozen=True)
class Problem:
    """A value refused on the way: which table, which row (by primary key), which column."""

    table: str
    row: dict[str, Any]
    column: str
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "problem": self.problem,
        }

    def line(self) -> str:
        key = ", ".join(f"{k}={v!r}" for k, v in self.row.items())
        return f"{self.table}[{key}].{self.column}: {self.problem}"


def _key_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, int | str) or value is None:
        return value
    return str(value)


@dataclass
class Checked:
    values: dict[str, Any]  # for an INSERT
    canonical: dict[str, Any]  # for archives and checksums


def check_row(spec: TableSpec, raw: Sequence[Any], problems: list[Problem]) -> Checked | None:
    """Normalise every column; a refused value is added to ``problems`` and the row to none."""
    values: dict[str, Any] = {}
    out: dict[str, Any] = {}
    refused = False
    for column, convert, value in zip(spec.columns, spec.converters, raw, strict=True):
        try:
            values[column.name], out[column.name] = convert(value)
        except Refused as exc:
            refused = True
            key = {k: _key_value(raw[spec.column_names.index(k)]) for k in spec.primary_key}
            problems.append(Problem(spec.name, key, column.name, str(exc)))
    return None if refused else Checked(values, out)


async def fingerprint(
    conn: AsyncConnection, specs: Sequence[TableSpec], batch_size: int = 1000
) -> tuple[dict[str, Fingerprint], list[Problem]]:
    """Count and checksum of every table as normalised rows (and what could not be read)."""
    prints: dict[str, Fingerprint] = {}
    problems: list[Problem] = []
    for spec in specs:
        fp = prints[spec.name] = Fingerprint()
        async for batch in raw_batches(conn, spec, batch_size):
            for raw in batch:
                checked = check_row(spec, raw, problems)
                if checked is not None:
                    fp.add(checked.canonical)
    return prints, problems
