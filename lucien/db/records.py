"""Plain records filled from rows: one place for "copy the same-named attributes".

A card or result dataclass often repeats a row's columns under the same names (a payment,
a plan, a Telegram user as the users table keeps them). Writing ``id=row.id, name=row.name,
…`` for each of them hid the few fields that really differ; ``from_attributes`` copies the
same-named ones and takes the rest as keyword overrides, like pydantic's
``from_attributes``. Every field is named: one the source lacks and no override gives fails
loudly (AttributeError), rather than silently keeping a default. Beware a same-named
attribute of another meaning (an id where the card wants a name): override it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    R = TypeVar("R", bound=DataclassInstance)
else:
    R = TypeVar("R")


def from_attributes(cls: type[R], source: object, /, **overrides: Any) -> R:
    """``cls`` with each init field taken from ``overrides``, else from ``source``'s
    attribute of the same name."""
    values = dict(overrides)
    for field in fields(cls):
        if field.init and field.name not in values:
            values[field.name] = getattr(source, field.name)
    return cls(**values)
