"""Typed callback data, namespaced per audience.

Every inline button the bot sends carries one of these (Telegram allows 64 bytes). Handlers
match them with ``AdminCB.filter(F.section == AdminSection.VIP)`` etc. Nothing here is
trusted for authorisation: the role is derived when the update is handled.

Factories (prefix → audience):

- ``a`` :class:`AdminCB` — the admin panel: ``section`` (short enum), ``action`` (≤ 8 chars,
  see :class:`AdminAction`), ``id``, ``page`` and a short free ``arg`` (filter, field, value).
- ``v`` :class:`VipCB` — the VIP member menu.
- ``f`` :class:`FreeCB` — the Free visitor menu.
- ``r`` :class:`RitualCB` — the entry ritual: the stage the button was shown at and the
  subscription it belongs to (so an old button from another period is recognised as stale).
- ``h`` :class:`HomeCB` — "back to my menu": the handler shows the menu of the derived role.
- ``p`` :class:`PayCB` — pay a plan with Telegram Stars (any audience: the payer is whoever
  presses it).
- ``i`` :class:`IssueCB` — the admin's last step of issuing invitations: the plan, how many
  and for how many days, each a typed field with its bounds.

Any data that does not unpack (forged, stale, from an older version) fails the filters and
falls through to the "esta opción ya no está disponible" answer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field, StringConstraints

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
PAGE_MAX = 9999
ACTION_MAX = 8
ARG_MAX = 24
#: The bounds of one batch of invitations: ``lucien.access.invitations.BATCH_MAX`` and
#: ``REDEEM_DAYS_MAX`` (a layer below, so repeated here; a test holds them equal).
ISSUE_QUANTITY_MAX = 50
ISSUE_DAYS_MAX = 365

Action = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,7}$")]
Arg = Annotated[str, StringConstraints(max_length=ARG_MAX, pattern=r"^[A-Za-z0-9_.\-+/@]*$")]
Id = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
PageNo = Annotated[int, Field(ge=0, le=PAGE_MAX)]


class AdminSection(StrEnum):
    MAIN = "m"
    DASHBOARD = "d"
    VIP = "v"
    TOKENS = "t"
    SUBS = "s"
    PLANS = "p"
    FREE = "f"
    CONTENT = "c"
    INTERESTS = "i"
    USERS = "u"
    CONFIG = "g"
    STATS = "o"
    BROADCAST = "b"
    DIAGNOSTICS = "x"
    PAYMENTS = "y"  # Telegram Stars: revenue (OPEN, page=month page), a member's payments


class AdminAction(StrEnum):
    """Every admin action the voice layer puts on a button (values are ≤ 8 characters).

    Convention: ``X`` asks for confirmation, ``X_ok`` does it. ``cancel`` in any section
    leaves the wizard (clears the FSM state) and shows that section's menu.
    """

    OPEN = "open"  # the section's menu (MAIN: admin home; DASHBOARD/STATS: refresh)
    CANCEL = "cancel"  # leave any wizard of this section
    LIST = "list"  # arg=filter, page
    VIEW = "view"  # id (USERS: arg=profile tab, page=tab page)
    NEW = "new"  # start a create wizard (PLANS, CONTENT)
    EDIT = "edit"  # id, arg=field → prompt for the new value
    # TOKENS
    ISSUE = "issue"  # choose a plan
    ISSUE_PLAN = "iss_plan"  # id=plan → ask quantity
    ISSUE_QTY = "iss_qty"  # id=plan, arg=quantity → ask redeem-by days
    REVOKE = "rvk"  # id=invitation → confirm
    REVOKE_OK = "rvk_ok"
    # SUBS
    EXTEND = "ext"  # id=subscription, arg=days → extend now
    EXTEND_ASK = "ext_ask"  # id=subscription → prompt for a number of days
    REMOVE = "rm"  # id=subscription → confirm removal
    REMOVE_OK = "rm_ok"
    # PLANS / CONTENT
    TOGGLE = "tog"  # id → (CONTENT: confirm) activate/deactivate
    TOGGLE_OK = "tog_ok"
    DELETE = "del"  # id → confirm
    DELETE_OK = "del_ok"
    SET_CATEGORY = "set_cat"  # CONTENT: id (0 in the create wizard), arg=category
    SET_FREE = "set_free"  # CONTENT: id (0 in the create wizard) → price "gratuito"
    SAVE = "save"  # CONTENT/PLANS: confirm the create wizard's draft
    # FREE
    APPROVE_ALL = "appr"
    APPROVE_ALL_OK = "appr_ok"
    REJECT_ALL = "rej"
    REJECT_ALL_OK = "rej_ok"
    WAIT = "wait"  # prompt for the wait time
    WAIT_SET = "wait_set"  # arg=minutes
    SOCIAL = "soc"  # social links menu
    SOCIAL_EDIT = "soc_edit"  # arg=network (instagram|tiktok|x) → prompt
    SOCIAL_CLEAR = "soc_clr"  # arg=network
    LINK = "link"  # Free channel invite link → prompt
    LINK_CLEAR = "link_clr"
    # INTERESTS
    ATTEND = "done"  # id=interest → mark attended
    # USERS
    FIND = "find"  # prompt for id or @username
    GRANT = "grant"  # id=user → confirm
    GRANT_OK = "grant_ok"
    UNGRANT = "ungrant"
    UNGRANT_OK = "ungr_ok"
    BLOCK = "block"
    BLOCK_OK = "block_ok"
    UNBLOCK = "unblock"
    UNBLOCK_OK = "unbl_ok"
    KICK = "kick"  # remove from channels
    KICK_OK = "kick_ok"
    WIPE = "wipe"  # delete the user's data
    WIPE_OK = "wipe_ok"
    # CONFIG
    CHANNEL = "chan"  # arg=vip|free → prompt
    CHECK = "chk"  # arg=vip|free → check the bot's rights again
    TIMEZONE = "tz"
    OFFSETS = "offs"
    CREATOR = "creator"
    DRY_RUN = "dry"  # toggle
    NOTIFY_JOINS = "notif"  # toggle unauthorized-join notices
    # BROADCAST
    TARGET = "to"  # arg=vip|free → ask for the content
    SEND = "send"  # confirm after the preview
    # DIAGNOSTICS (OPEN runs the report again)
    REHEARSE = "rehearse"  # a dry run of the cron, shown as its report and plan
    ALERTS = "alerts"  # arg=on|off: this custodian's operational alerts
    # PAYMENTS (LIST: id=user, page; VIEW: id=payment, page=the list's page to go back to)
    REFUND = "rfnd"  # id=payment, page → confirm
    REFUND_OK = "rfnd_ok"


class VipAction(StrEnum):
    MENU = "menu"
    CONTENT = "content"  # page
    PACKAGE = "pkg"  # id=package, page=list page to go back to
    INTEREST = "int"  # id=package
    STATUS = "status"
    RENEW = "renew"
    RENEW_INTEREST = "rint"  # "Me interesa" on renewing the membership itself


class FreeAction(StrEnum):
    MENU = "menu"
    CONTENT = "content"  # page
    PACKAGE = "pkg"  # id=package, page=list page to go back to
    INTEREST = "int"  # id=package
    CIRCLE = "circle"  # what the VIP circle offers
    CIRCLE_INTEREST = "cint"  # "Me interesa" for the VIP subscription itself
    SOCIAL = "social"


class AdminCB(CallbackData, prefix="a"):
    section: AdminSection
    action: Action
    id: Id = 0
    page: PageNo = 0
    arg: Arg = ""


class VipCB(CallbackData, prefix="v"):
    action: Action
    id: Id = 0
    page: PageNo = 0


class FreeCB(CallbackData, prefix="f"):
    action: Action
    id: Id = 0
    page: PageNo = 0


class RitualCB(CallbackData, prefix="r"):
    """``stage`` is the stage the button was shown at; ``sub`` the subscription id.

    Stage 1 "Continuar" → 2, stage 2 "Acepto" → 3, stage 3 → show/replace the link.
    The handler advances only if the stored stage still equals ``stage`` (atomically).
    """

    stage: Annotated[int, Field(ge=1, le=9)]
    sub: Id = 0


class HomeCB(CallbackData, prefix="h"):
    """Back to the menu of whatever role the user has now."""


class PayCB(CallbackData, prefix="p"):
    """Pay a plan with Telegram Stars: sends its invoice. Shown to visitors (the circle),
    members (renewal) and in reminders, so it is not tied to one audience: whoever presses
    it pays for themselves, and the plan is checked again when pressed."""

    plan: Id


class IssueCB(CallbackData, prefix="i"):
    """Issue ``quantity`` invitations of ``plan``, redeemable for ``days`` (the deadline
    buttons, after the quantity was chosen). Its own factory rather than two numbers packed
    into :class:`AdminCB`'s ``arg``: each value is typed and bounded, so one out of bounds
    does not unpack and the press is answered as stale before any handler runs."""

    plan: Id
    quantity: Annotated[int, Field(ge=1, le=ISSUE_QUANTITY_MAX)]
    days: Annotated[int, Field(ge=1, le=ISSUE_DAYS_MAX)]


ALL_FACTORIES: tuple[type[CallbackData], ...] = (
    AdminCB,
    VipCB,
    FreeCB,
    RitualCB,
    HomeCB,
    PayCB,
    IssueCB,
)
