"""Spanish dates without the OS locale: own month and weekday names, display time zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "America/Mexico_City"

MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
MONTHS_SHORT = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The named zone, or the default one when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(DEFAULT_TZ)


def to_zone(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def long_datetime(moment: datetime, tz: tzinfo) -> str:
    """``martes 3 de marzo de 2026, 18:30``"""
    local = to_zone(moment, tz)
    return (
        f"{WEEKDAYS[local.weekday()]} {local.day} de {MONTHS[local.month - 1]} "
        f"de {local.year}, {local:%H:%M}"
    )


def long_date(moment: datetime, tz: tzinfo) -> str:
    """``martes 3 de marzo de 2026``"""
    local = to_zone(moment, tz)
    return f"{WEEKDAYS[local.weekday()]} {local.day} de {MONTHS[local.month - 1]} de {local.year}"


def short_date(moment: datetime, tz: tzinfo) -> str:
    """``3 mar 2026``"""
    local = to_zone(moment, tz)
    return f"{local.day} {MONTHS_SHORT[local.month - 1]} {local.year}"


def short_datetime(moment: datetime, tz: tzinfo) -> str:
    """``3 mar 2026, 18:30``"""
    local = to_zone(moment, tz)
    return f"{short_date(local, tz)}, {local:%H:%M}"


#: Bands of the creator's day (local hours, start inclusive): "tan temprano" only before 9,
#: "buenas tardes" until 20 as Spanish speakers say it, "horas tardías" only after midnight.
DAY_BANDS = ((5, "early"), (9, "morning"), (12, "afternoon"), (20, "evening"))


def time_of_day(moment: datetime, tz: tzinfo) -> str:
    """``early`` 5-9, ``morning`` 9-12, ``afternoon`` 12-20, ``evening`` 20-24, ``night``
    0-5, in the creator's display zone."""
    hour = to_zone(moment, tz).hour
    period = "night"
    for start, name in DAY_BANDS:
        if hour >= start:
            period = name
    return period


def duration(minutes: float) -> str:
    """A span in words: ``45 minutos``, ``5 horas``, ``3 días``, ``1 día y 2 horas``."""
    total = max(0, round(minutes))
    if total < 60:
        return "un instante" if total == 0 else _unit(total, "minuto", "minutos")
    hours, rest = divmod(total, 60)
    if hours < 24:
        text = _unit(hours, "hora", "horas")
        return f"{text} y {_unit(rest, 'minuto', 'minutos')}" if rest and hours < 3 else text
    days, hours = divmod(hours, 24)
    text = _unit(days, "día", "días")
    return f"{text} y {_unit(hours, 'hora', 'horas')}" if hours and days < 3 else text


def days_between(now: datetime, later: datetime) -> int:
    """Whole days left (rounded up, never negative)."""
    seconds = (later - now).total_seconds()
    return max(0, -(-int(seconds) // 86400))


def _unit(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
