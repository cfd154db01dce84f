"""Callback data: typed, namespaced, and never over Telegram's 64 bytes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lucien.access import invitations
from lucien.callbacks import (
    ACTION_MAX,
    ALL_FACTORIES,
    ARG_MAX,
    INT64_MAX,
    INT64_MIN,
    ISSUE_DAYS_MAX,
    ISSUE_QUANTITY_MAX,
    PAGE_MAX,
    AdminAction,
    AdminCB,
    AdminSection,
    FreeAction,
    FreeCB,
    HomeCB,
    IssueCB,
    RitualCB,
    VipAction,
    VipCB,
)

LONGEST_ACTION = "z" * ACTION_MAX
LONGEST_ID = INT64_MIN  # "-9223372036854775808" is the longest int64 in text
LONGEST_SECTION = max(AdminSection, key=lambda s: len(s.value))


def longest_values() -> dict[str, str]:
    return {
        "admin": AdminCB(
            section=LONGEST_SECTION,
            action=LONGEST_ACTION,
            id=LONGEST_ID,
            page=PAGE_MAX,
            arg="x" * ARG_MAX,
        ).pack(),
        "vip": VipCB(action=LONGEST_ACTION, id=LONGEST_ID, page=PAGE_MAX).pack(),
        "free": FreeCB(action=LONGEST_ACTION, id=LONGEST_ID, page=PAGE_MAX).pack(),
        "ritual": RitualCB(stage=9, sub=LONGEST_ID).pack(),
        "home": HomeCB().pack(),
        "issue": IssueCB(plan=LONGEST_ID, quantity=ISSUE_QUANTITY_MAX, days=ISSUE_DAYS_MAX).pack(),
    }


@pytest.mark.parametrize("name", ["admin", "vip", "free", "ritual", "home", "issue"])
def test_longest_packed_value_fits_64_bytes(name: str) -> None:
    packed = longest_values()[name]
    assert len(packed.encode()) <= 64, (name, packed, len(packed.encode()))


def test_prefixes_are_short_and_distinct() -> None:
    prefixes = [f.__prefix__ for f in ALL_FACTORIES]
    assert len(set(prefixes)) == len(prefixes)
    assert all(len(p) == 1 for p in prefixes)


def test_enum_values_respect_the_limits() -> None:
    assert all(len(s.value) == 1 for s in AdminSection)
    for enum in (AdminAction, VipAction, FreeAction):
        for member in enum:
            assert 1 <= len(member.value) <= ACTION_MAX, member
            AdminCB(section=AdminSection.MAIN, action=member.value)  # valid as action
    assert len({a.value for a in AdminAction}) == len(AdminAction)


def test_round_trip_and_filter_friendly_types() -> None:
    cb = AdminCB(section=AdminSection.TOKENS, action=AdminAction.ISSUE_QTY, id=3, arg="5")
    back = AdminCB.unpack(cb.pack())
    assert back == cb
    assert back.section is AdminSection.TOKENS
    assert back.action == AdminAction.ISSUE_QTY == "iss_qty"
    issue = IssueCB.unpack(IssueCB(plan=3, quantity=5, days=7).pack())
    assert (issue.plan, issue.quantity, issue.days) == (3, 5, 7)
    assert RitualCB.unpack(RitualCB(stage=2, sub=41).pack()) == RitualCB(stage=2, sub=41)
    assert HomeCB.unpack("h") == HomeCB()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"action": "x" * (ACTION_MAX + 1)},
        {"action": "Bad"},
        {"action": "list", "arg": "x" * (ARG_MAX + 1)},
        {"action": "list", "arg": "a:b"},
        {"action": "list", "arg": "espacio no"},
        {"action": "list", "page": PAGE_MAX + 1},
        {"action": "list", "page": -1},
        {"action": "list", "id": INT64_MAX + 1},
    ],
)
def test_out_of_bounds_values_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AdminCB(section=AdminSection.MAIN, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "forged",
    ["a:zz:list:0:0:", "a:m:list:0:0", "a:m:UP:0:0:", "v:menu:x:0", "r:0:1", "r:1", "h:1", ""],
)
def test_forged_data_does_not_unpack(forged: str) -> None:
    for factory in ALL_FACTORIES:
        with pytest.raises((TypeError, ValueError)):
            factory.unpack(forged)


def test_issue_bounds_are_the_batch_bounds() -> None:
    """IssueCB refuses what issuing would refuse, and nothing it accepts."""
    assert ISSUE_QUANTITY_MAX == invitations.BATCH_MAX
    assert ISSUE_DAYS_MAX == invitations.REDEEM_DAYS_MAX
    for quantity, days in ((0, 7), (ISSUE_QUANTITY_MAX + 1, 7), (5, 0), (5, ISSUE_DAYS_MAX + 1)):
        with pytest.raises(ValidationError):
            IssueCB(plan=1, quantity=quantity, days=days)
        with pytest.raises((TypeError, ValueError)):
            IssueCB.unpack(f"i:1:{quantity}:{days}")
