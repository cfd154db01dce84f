"""The dry-run switch, read the same way at every door of the cron.

The query string (``POST /cron?dry_run=…``), a scheduled Lambda event
(``{"dry_run": …}``, also under ``detail``) and ``LUCIEN_CRON_DRY_RUN`` all go through
:func:`parse_switch`, so ``"false"`` means false everywhere (``bool("false")`` is true,
which once made a scheduled ``{"dry_run": "false"}`` a dry run). Anything that is not
clearly yes or no is refused with a message naming the value, rather than guessed.
"""

from __future__ import annotations

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class BadSwitch(ValueError):
    """A switch whose value is neither yes nor no."""


def parse_switch(value: object, name: str = "dry_run") -> bool | None:
    """True, False, or None when absent; :class:`BadSwitch` for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    raise BadSwitch(f"{name} must be true or false (also 1/0, yes/no, on/off), not {shown}")
