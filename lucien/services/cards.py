"""Rows turned into the cards the voice shows, shared by every admin section.

A person appears in the VIP and Free lists, in a profile, beside an interest and a join
request; a membership period in the subscriber list and in a profile. Each is built in one
place so the sections cannot drift apart in what they show of the same row.
"""

from __future__ import annotations

from datetime import datetime

from lucien.access.subscriptions import shown_status
from lucien.db.models import Subscription, User
from lucien.db.records import from_attributes
from lucien.voice.data import Role, SubscriptionCard, UserCard


def user_card(user: User, role: Role = Role.FREE, *, is_owner: bool = False) -> UserCard:
    """The one card of a person for the voice (lists, profiles, interests, join requests)."""
    return from_attributes(
        UserCard,
        user,
        first_name=user.first_name or "",
        role=role,
        is_owner=is_owner,
        is_blocked=bool(user.is_blocked),
        unreachable=bool(user.unreachable),
    )


def sub_card(
    sub: Subscription, user: UserCard, plan_name: str | None, now: datetime
) -> SubscriptionCard:
    """A membership period as the panels show it (the subscriber list, a person's profile)."""
    return from_attributes(
        SubscriptionCard, sub, user=user, plan_name=plan_name, status=shown_status(sub, now)
    )
