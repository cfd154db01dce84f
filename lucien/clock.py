"""The one clock every "now" in Lucien comes from.

In production it is the system's UTC time. The sandbox may move it forward (``advance``)
so reminders, expiries and Free approvals can be seen without waiting days; nothing else
moves it. Keeping the shift here, rather than patching call sites, means every service,
job and the voice see the same moment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_shift = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _shift


def shift() -> timedelta:
    """How far the clock has been moved forward (zero outside the sandbox)."""
    return _shift


def advance(delta: timedelta) -> timedelta:
    """Move the clock forward (never back: leases and ledgers assume time does not rewind)."""
    global _shift
    if delta < timedelta(0):
        raise ValueError("the clock only moves forward")
    _shift += delta
    return _shift


def reset() -> None:
    """Back to real time (tests only: a sandbox process never rewinds)."""
    global _shift
    _shift = timedelta(0)
