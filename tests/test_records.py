"""``from_attributes``: the one "copy the same-named attributes" used by cards and results."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from lucien.db.records import from_attributes


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    name: str
    in_use: bool = False


def test_copies_same_named_attributes_and_overrides_win() -> None:
    row = SimpleNamespace(id=7, name="Oro", in_use=True, extra="ignored")
    assert from_attributes(Card, row) == Card(7, "Oro", True)
    assert from_attributes(Card, row, name="Plata") == Card(7, "Plata", True)


def test_a_field_nobody_gives_fails_even_with_a_default() -> None:
    assert from_attributes(Card, SimpleNamespace(id=1, name="x"), in_use=False) == Card(1, "x")
    with pytest.raises(AttributeError):
        from_attributes(Card, SimpleNamespace(id=1, name="x"))
