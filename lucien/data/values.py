"""What a stored value may be, per column kind, and its one canonical form.

SQLite stores what it is given: a boolean may be ``1``, ``'1'`` or ``'yes'``, a timestamp
naive or with an offset, an ``INTEGER`` past 32 bits, text with a NUL or bytes that are not
UTF-8. PostgreSQL refuses some of those and would silently reinterpret others, so every
value crossing between databases (or into an archive) goes through ``normalise``: an
unambiguous value becomes its canonical Python form, anything else raises ``Refused`` with
a reason a person can act on. ``canonical`` gives the JSON form used by archives and
checksums, so two databases that agree produce the same bytes.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, Numeric, String
from sqlalchemy import Column as SAColumn
from sqlalchemy.types import TypeDecorator, TypeEngine

from lucien.switches import short_repr, yes_or_no

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})


class Kind(enum.StrEnum):
    INT32 = "int32"
    INT64 = "int64"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DECIMAL = "decimal"
    FLOAT = "float"
    TEXT = "text"
    JSON = "json"


class Refused(ValueError):
    """A value that cannot cross without changing meaning; the message says why."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: Kind
    nullable: bool
    length: int | None = None  # TEXT: at most this many characters
    precision: int | None = None  # DECIMAL
    scale: int | None = None


# Most specific first: BigInteger is an Integer, Text a String, Boolean before all.
_KINDS: tuple[tuple[type[TypeEngine[Any]], Kind], ...] = (
    (Boolean, Kind.BOOL),
    (BigInteger, Kind.INT64),
    (Integer, Kind.INT32),
    (DateTime, Kind.TIMESTAMP),
    (Numeric, Kind.DECIMAL),
    (Float, Kind.FLOAT),  # not a Numeric in SQLAlchemy 2.1 (operations' counters, timings)
    (JSON, Kind.JSON),
    (String, Kind.TEXT),
)


def _kind_of(type_: TypeEngine[Any]) -> Kind:
    if isinstance(type_, TypeDecorator):
        return _kind_of(type_.impl_instance)
    for base, kind in _KINDS:
        if isinstance(type_, base):
            return kind
    raise TypeError(f"no data kind for column type {type_!r}")


def spec_of(column: SAColumn[Any]) -> ColumnSpec:
    type_ = column.type
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    kind = _kind_of(type_)
    return ColumnSpec(
        name=column.name,
        kind=kind,
        nullable=bool(column.nullable),
        length=getattr(type_, "length", None) if kind is Kind.TEXT else None,
        precision=getattr(type_, "precision", None) if kind is Kind.DECIMAL else None,
        scale=getattr(type_, "scale", None) if kind is Kind.DECIMAL else None,
    )


def _integer(spec: ColumnSpec, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise Refused(f"{type(value).__name__} {short_repr(value)} where an integer belongs")
    low, high = INT32 if spec.kind is Kind.INT32 else INT64
    if not low <= value <= high:
        bits = 32 if spec.kind is Kind.INT32 else 64
        raise Refused(f"integer {value} does not fit in {bits} bits")
    return value


def _boolean(value: Any) -> bool:
    answer = yes_or_no(value, _TRUE, _FALSE)
    if answer is None:
        raise Refused(f"ambiguous boolean {short_repr(value)}")
    return answer


def _timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Refused(f"unreadable timestamp {short_repr(value)}") from None
    if not isinstance(value, datetime):
        # Epoch numbers are ambiguous (seconds? milliseconds? which zone?): refuse them.
        raise Refused(f"{type(value).__name__} {short_repr(value)} where a timestamp belongs")
    # Lucien stores UTC; a naive value is UTC written by SQLite, an aware one is converted.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _decimal(spec: ColumnSpec, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise Refused(f"boolean {value} where a number belongs")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise Refused(f"{short_repr(value)} is not a number") from None
    if not number.is_finite():
        raise Refused(f"{short_repr(value)} is not a finite number")
    if spec.scale is not None:
        exact = number.quantize(Decimal(1).scaleb(-spec.scale))
        if exact != number:
            raise Refused(f"{number} has more than {spec.scale} decimal places")
        number = exact
        if spec.precision is not None and exact.adjusted() >= spec.precision - spec.scale:
            raise Refused(f"{number} has more than {spec.precision - spec.scale} integer digits")
    return number


def _text_of(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"invalid UTF-8 at byte {exc.start}") from None


def _text(spec: ColumnSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise Refused(f"{type(value).__name__} {short_repr(value)} where text belongs")
    nul = value.find("\x00")
    if nul >= 0:
        raise Refused(f"NUL character at position {nul} (PostgreSQL text cannot hold it)")
    if spec.length is not None and len(value) > spec.length:
        raise Refused(f"{len(value)} characters where at most {spec.length} fit")
    return value


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise Refused(f"invalid JSON {short_repr(value)}") from None
    if isinstance(value, dict | list | int | float | bool) or value is None:
        return value
    raise Refused(f"{type(value).__name__} {short_repr(value)} where JSON belongs")


def normalise(spec: ColumnSpec, value: Any) -> Any:
    """The canonical Python value of a stored value, or ``Refused``."""
    if value is None:
        if not spec.nullable:
            raise Refused("NULL in a column that requires a value")
        return None
    if isinstance(value, bytes):
        value = _text_of(value)  # SQLite text read as bytes, so bad UTF-8 is ours to report
    match spec.kind:
        case Kind.INT32 | Kind.INT64:
            return _integer(spec, value)
        case Kind.BOOL:
            return _boolean(value)
        case Kind.TIMESTAMP:
            return _timestamp(value)
        case Kind.DECIMAL:
            return _decimal(spec, value)
        case Kind.FLOAT:
            return _float(value)
        case Kind.TEXT:
            return _text(spec, value)
        case Kind.JSON:
            return _json(value)


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Refused(f"not a number: {type(value).__name__}")
    try:
        number = float(value)
    except ValueError:
        raise Refused("not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Refused("not a finite number")
    return number


def canonical(spec: ColumnSpec, value: Any) -> Any:
    """The JSON form of a normalised value (archives, checksums)."""
    if value is None:
        return None
    if spec.kind is Kind.TIMESTAMP:
        return value.isoformat(timespec="microseconds")
    if spec.kind is Kind.DECIMAL:
        return str(value)
    return value


Converter = Callable[[Any], tuple[Any, Any]]


def converter(spec: ColumnSpec) -> Converter:
    """``normalise`` then ``canonical`` for one column, with a fast path for the values
    Lucien itself writes (a migration calls this once per value: it is the hot loop). An
    allowed NULL is answered at once, by ``general``, behind every fast path."""
    nullable = spec.nullable

    def general(value: Any) -> tuple[Any, Any]:
        if value is None and nullable:
            return None, None
        clean = normalise(spec, value)
        return clean, canonical(spec, clean)

    if spec.kind in (Kind.INT32, Kind.INT64):
        low, high = INT32 if spec.kind is Kind.INT32 else INT64

        def integer(value: Any) -> tuple[Any, Any]:
            if type(value) is int and low <= value <= high:
                return value, value
            return general(value)

        return integer
    if spec.kind is Kind.TEXT:
        length = spec.length

        def text(value: Any) -> tuple[Any, Any]:
            if type(value) is bytes:
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    return general(value)
            if type(value) is str and "\x00" not in value:
                if length is None or len(value) <= length:
                    return value, value
            return general(value)

        return text
    if spec.kind is Kind.TIMESTAMP:

        def timestamp(value: Any) -> tuple[Any, Any]:
            if value is None and nullable:
                return None, None
            clean = normalise(spec, value)
            return clean, clean.isoformat(timespec="microseconds")

        return timestamp
    return general
