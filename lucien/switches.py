"""The dry-run switch, read the same way at every door of the cron.

The query string (``POST /cron?dry_run=…``), a scheduled Lambda event
(``{"dry_run": …}``, also under ``detail``) and ``LUCIEN_CRON_DRY_RUN`` all go through
:func:`parse_switch`, so ``"false"`` means false everywhere (``bool("false")`` is true,
which once made a scheduled ``{"dry_run": "false"}`` a dry run). Anything that is not
clearly yes or no is refused with a message naming the value, rather than guessed. The
data tools read stored booleans with the same :func:`yes_or_no` (``lucien.data.values``).
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
    answer = yes_or_no(value)
    if answer is None:
        raise BadSwitch(
            f"{name} must be true or false (also 1/0, yes/no, on/off), not {short_repr(value)}"
        )
    return answer


def yes_or_no(
    value: object, true: frozenset[str] = TRUE, false: frozenset[str] = FALSE
) -> bool | None:
    """A bool, 0 or 1, or one of the words (trimmed, any case); None when it is none of them.

    ``lucien.data.values`` reads stored booleans with it too, with fewer words.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in true:
            return True
        if text in false:
            return False
    return None


def short_repr(value: object) -> str:
    """``repr(value)`` cut to 40 characters, for a refusal that names what it refused."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
