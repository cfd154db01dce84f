"""Admin panel › VIP: the section menu, invitations, subscribers and plans.

Sections (``AdminCB.section``): ``VIP`` (menu), ``TOKENS`` (issue, list, revoke),
``SUBS`` (list, detail, extend, remove) and ``PLANS`` (list, detail, create, edit,
activate/deactivate, delete). One handler per action, chosen by the router's filters.
Button flows carry what they need in the callback data; typed numbers and texts go
through FSM wizards kept in the configured storage (database or Redis), so a wizard
continues across stateless requests. Every change is audited by the service that makes it;
Telegram is only called with no transaction open.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.access import botinfo, invitations, plans
from lucien.access.invitations import BATCH_MAX, REDEEM_DAYS_DEFAULT, REDEEM_DAYS_MAX
from lucien.access.plans import PlanError
from lucien.bot.filters import Presses
from lucien.bot.notify import tell
from lucien.bot.ui import answer, open_screen, reply, show
from lucien.bot.visit import Visit, card_press, list_press
from lucien.bot.wizard import Step, ask, digits, from_data, kept, text_step, whole_number
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB, IssueCB
from lucien.callbacks import AdminSection as S
from lucien.db.models import User
from lucien.journal import once
from lucien.runtime import Runtime
from lucien.services import admin_vip
from lucien.services.admin_vip import EXTEND_DAYS_MAX, ExtensionBusy
from lucien.voice import Voice
from lucien.voice.data import PlanCard, PlanDraft, SubscriptionCard, TokenCard
from lucien.voice.message import Alert
from lucien.voice.message import Message as VoiceMessage
from lucien.voice.providers.admin_vip import PLAN_LIMITS
from lucien.voice.providers.validation import Field

log = logging.getLogger(__name__)

PRICE_MAX = PLAN_LIMITS["price"]
PLAN_FIELDS = ("name", "days", "price", "currency", "stars")
PLAN_STEPS = len(PLAN_FIELDS)


class IssueWizard(StatesGroup):
    quantity = State()
    days = State()


class ExtendWizard(StatesGroup):
    days = State()


class PlanWizard(StatesGroup):
    name = State()
    days = State()
    price = State()
    currency = State()
    stars = State()  # optional: 0 keeps the plan out of the bot's own sales
    confirm = State()


class PlanEdit(StatesGroup):
    value = State()


# -- the section menu -----------------------------------------------------------------------


at_tokens = Presses(S.TOKENS)
at_vip = Presses(S.VIP)
at_subs = Presses(S.SUBS)
at_plans = Presses(S.PLANS)


async def _menu(runtime: Runtime, voice: Voice) -> VoiceMessage:
    async with runtime.sessions() as session:
        o = await admin_vip.overview(session)
    return voice.admin_vip.menu(
        active=o.active,
        expiring_7d=o.expiring_7d,
        tokens_unused=o.tokens_unused,
        plans_active=o.plans_active,
    )


@at_tokens.on(A.CANCEL)
@at_vip.on(A.OPEN, A.CANCEL)
async def on_menu(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(query, await _menu(visit.runtime, visit.voice), state=visit.state)


# -- invitations ----------------------------------------------------------------------------


async def _tokens(runtime: Runtime, voice: Voice, status: str, page: int) -> VoiceMessage:
    if status not in admin_vip.TOKEN_FILTERS:
        status = "unused"
    username = await botinfo.bot_username(runtime)
    async with runtime.sessions() as session:
        cards, at, counts = await admin_vip.token_page(session, status, page, username)
    return voice.admin_vip.tokens(tokens=cards, filter=status, page=at, counts=counts)  # type: ignore[arg-type]


async def _active_plan(runtime: Runtime, plan_id: int) -> PlanCard | None:
    async with runtime.sessions() as session:
        card = await admin_vip.plan(session, plan_id)
    return card if card is not None and card.active else None


async def _choose_plan(runtime: Runtime, voice: Voice) -> VoiceMessage:
    async with runtime.sessions() as session:
        active = await admin_vip.active_plans(session)
    return voice.admin_vip.issue_choose_plan(plans=active)


async def _issue(
    runtime: Runtime, voice: Voice, user: User, plan_id: int, quantity: int, days: int
) -> list[VoiceMessage] | Alert:
    username = await botinfo.bot_username(runtime)  # before: tokens are never issued unseen
    try:
        async with runtime.sessions.begin() as session:
            issued = await invitations.issue(
                session, plan_id, count=quantity, redeem_days=days, created_by=user.id
            )
            card = await admin_vip.plan(session, plan_id)
    except invitations.InvitationError:
        return voice.common.not_found_alert("plan")
    assert card is not None
    tokens = [
        TokenCard(
            id=item.id,
            token=item.token,
            link=botinfo.deep_link(username, item.token),
            plan_name=item.plan_name,
            redeem_by=item.redeem_by,
        )
        for item in issued
    ]
    return voice.admin_vip.issued(tokens=tokens, plan=card)


async def _ask_deadline(
    state: FSMContext, voice: Voice, plan: PlanCard, quantity: int
) -> VoiceMessage:
    await state.set_state(IssueWizard.days)
    await state.set_data({"plan_id": plan.id, "quantity": quantity})
    return voice.admin_vip.issue_ask_deadline(
        plan=plan, quantity=quantity, default_days=REDEEM_DAYS_DEFAULT, maximum=REDEEM_DAYS_MAX
    )


on_tokens = at_tokens.on(A.OPEN, A.LIST)(list_press(_tokens, leave_wizard=True))


@at_tokens.on(A.ISSUE)
async def on_issue(query: CallbackQuery, visit: Visit) -> None:
    await open_screen(query, await _choose_plan(visit.runtime, visit.voice), state=visit.state)


@at_tokens.on(A.ISSUE_PLAN)
async def on_issue_plan(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    plan = await _active_plan(visit.runtime, callback_data.id)
    if plan is None:
        await answer(query, visit.voice.common.not_found_alert("plan"))
        await show(query, await _choose_plan(visit.runtime, visit.voice))
        return
    question = visit.voice.admin_vip.issue_ask_quantity(plan=plan, maximum=BATCH_MAX)
    await ask(query, visit, IssueWizard.quantity, question, data={"plan_id": plan.id})


@at_tokens.on(A.ISSUE_QTY)
async def on_issue_quantity_button(
    query: CallbackQuery, callback_data: AdminCB, visit: Visit
) -> None:
    plan = await _active_plan(visit.runtime, callback_data.id)
    quantity = digits(callback_data.arg)
    if plan is None or quantity is None or not 1 <= quantity <= BATCH_MAX:
        await answer(query, visit.voice.common.stale())
        return
    await open_screen(query, await _ask_deadline(visit.state, visit.voice, plan, quantity))


async def on_issue_go(query: CallbackQuery, callback_data: IssueCB, visit: Visit) -> None:
    """A deadline button: its data holds the plan, quantity and days, already in bounds
    (:class:`IssueCB` does not unpack otherwise)."""
    issue = callback_data
    result = await _issue(
        visit.runtime, visit.voice, visit.user, issue.plan, issue.quantity, issue.days
    )
    if isinstance(result, Alert):
        await answer(query, result)
        return
    await open_screen(query, result, state=visit.state)


async def _token_card(runtime: Runtime, invitation_id: int) -> TokenCard | None:
    username = await botinfo.bot_username(runtime)
    async with runtime.sessions() as session:
        return await admin_vip.token(session, invitation_id, username)


@at_tokens.on(A.REVOKE)
async def on_revoke(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    card = await _token_card(visit.runtime, callback_data.id)
    if card is None:
        await answer(query, visit.voice.common.not_found_alert("invitation"))
    elif card.status != "unused":
        await answer(query, visit.voice.admin_vip.token_not_revocable(status=card.status))
    else:
        await open_screen(query, visit.voice.admin_vip.token_revoke_confirm(token=card))


@at_tokens.on(A.REVOKE_OK)
async def on_revoke_ok(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    async with visit.runtime.sessions.begin() as session:
        done = await invitations.revoke(session, callback_data.id, actor_id=visit.user.id)
    card = await _token_card(visit.runtime, callback_data.id)
    if card is None:
        await answer(query, visit.voice.common.not_found_alert("invitation"))
    elif not done:
        await answer(query, visit.voice.admin_vip.token_not_revocable(status=card.status))
    else:
        await open_screen(query, visit.voice.admin_vip.token_revoked(token=card))


async def on_issue_quantity(message: Message, value: int, visit: Visit) -> None:
    quantity = value
    plan = await _active_plan(visit.runtime, int((await visit.state.get_data()).get("plan_id", 0)))
    if plan is None:
        await visit.state.clear()
        await reply(message, visit.voice.common.not_found("plan"))
        return
    await reply(message, await _ask_deadline(visit.state, visit.voice, plan, quantity))


async def on_issue_days(message: Message, value: int, visit: Visit) -> None:
    days = value
    data = await visit.state.get_data()
    result = await _issue(
        visit.runtime,
        visit.voice,
        visit.user,
        int(data.get("plan_id", 0)),
        int(data.get("quantity", 1)),
        days,
    )
    await visit.state.clear()
    if isinstance(result, Alert):
        await reply(message, visit.voice.common.not_found("plan"))
        return
    await reply(message, result)


# -- subscribers --------------------------------------------------------------------------


async def _subscribers(runtime: Runtime, voice: Voice, kind: str, page: int) -> VoiceMessage:
    if kind not in admin_vip.SUB_FILTERS:
        kind = "active"
    async with runtime.sessions() as session:
        cards, at, counts = await admin_vip.sub_page(session, kind, page)
    return voice.admin_vip.subscribers(subs=cards, filter=kind, page=at, counts=counts)  # type: ignore[arg-type]


async def _extend(
    runtime: Runtime, voice: Voice, user: User, sub_id: int, days: int
) -> VoiceMessage | None:
    """The confirmation of an extension; None when the period does not exist.

    Raises ``ExtensionBusy`` when the period kept changing under it (try again).
    """
    async with runtime.sessions.begin() as session:
        done = await admin_vip.extend(session, sub_id, days, actor_id=user.id)
    if done is None:
        return None
    async with runtime.sessions() as session:
        card = await admin_vip.subscription(session, done.subscription_id)
    assert card is not None
    await _tell_member(runtime, voice, card.user.id, card.user.first_name, days, done.new_end)
    return voice.admin_vip.extended(sub=card, days=days, new_end=done.new_end)


async def _tell_member(
    runtime: Runtime, voice: Voice, user_id: int, name: str, days: int, ends_at: datetime
) -> None:
    """The member hears of the new end date (:func:`lucien.bot.notify.tell`)."""
    member_voice = Voice(history=None, user_id=None, tz=voice.tz)
    message = member_voice.flows.membership_extended(name=name, added_days=days, ends_at=ends_at)
    await tell(runtime, user_id, message)


on_subs = at_subs.on(A.OPEN, A.LIST, A.CANCEL)(list_press(_subscribers, leave_wizard=True))


@at_subs.on(A.VIEW)
@card_press("subscription", admin_vip.subscription)
async def on_sub(
    query: CallbackQuery, callback_data: AdminCB, card: SubscriptionCard, visit: Visit
) -> None:
    await visit.state.clear()
    await answer(query)
    back = callback_data.arg if callback_data.arg in admin_vip.SUB_FILTERS else "active"
    await show(
        query,
        visit.voice.admin_vip.subscriber(sub=card, back_filter=back, back_page=callback_data.page),
    )


@at_subs.on(A.EXTEND)
@card_press("subscription", admin_vip.subscription)
async def on_extend(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    days = digits(callback_data.arg)
    if days is None or not 1 <= days <= EXTEND_DAYS_MAX:
        await answer(query, visit.voice.common.stale())
        return
    try:
        result = await _extend(visit.runtime, visit.voice, visit.user, callback_data.id, days)
    except ExtensionBusy:
        await answer(query, visit.voice.common.failure_alert())
        return
    if result is None:
        await answer(query, visit.voice.common.not_found_alert("subscription"))
        return
    await open_screen(query, result, state=visit.state)


@at_subs.on(A.EXTEND_ASK)
@card_press("subscription", admin_vip.subscription)
async def on_extend_ask(query: CallbackQuery, card: SubscriptionCard, visit: Visit) -> None:
    question = visit.voice.admin_vip.extend_ask(sub=card, maximum=EXTEND_DAYS_MAX)
    await ask(query, visit, ExtendWizard.days, question, data={"sub_id": card.id})


@at_subs.on(A.REMOVE)
@card_press("subscription", admin_vip.subscription)
async def on_remove(query: CallbackQuery, card: SubscriptionCard, visit: Visit) -> None:
    if card.status != "active":
        await answer(query, visit.voice.common.not_found_alert("subscription"))
        return
    await open_screen(query, visit.voice.admin_vip.remove_confirm(sub=card))


@at_subs.on(A.REMOVE_OK)
@card_press("subscription", admin_vip.subscription)
async def on_remove_ok(query: CallbackQuery, card: SubscriptionCard, visit: Visit) -> None:
    if card.status != "active":
        await answer(query, visit.voice.common.not_found_alert("subscription"))
        await show(query, visit.voice.admin_vip.subscriber(sub=card))
        return
    await answer(query, visit.voice.common.working())
    removal = await admin_vip.remove_now(visit.runtime, card.id, actor_id=visit.user.id)
    async with visit.runtime.sessions() as session:
        card = await admin_vip.subscription(session, card.id) or card
    if removal is None:  # someone else got there first
        await show(query, visit.voice.admin_vip.subscriber(sub=card))
        return
    await show(
        query,
        visit.voice.admin_vip.removed(
            sub=card, from_channel=removal.from_channel, vip_channel=removal.vip_channel
        ),
    )


async def on_extend_days(message: Message, value: int, visit: Visit) -> None:
    days = value
    sub_id = int((await visit.state.get_data()).get("sub_id", 0))
    try:
        result = await _extend(visit.runtime, visit.voice, visit.user, sub_id, days)
    except ExtensionBusy:  # stay on the step: they may send it again
        await reply(message, visit.voice.common.failure())
        return
    await visit.state.clear()
    await reply(message, result or visit.voice.common.not_found("subscription"))


# -- plans --------------------------------------------------------------------------------


async def _plans(runtime: Runtime, voice: Voice, page: int) -> VoiceMessage:
    async with runtime.sessions() as session:
        cards, at = await admin_vip.plan_page(session, page)
    return voice.admin_vip.plans(plans=cards, page=at)


async def _plan(runtime: Runtime, plan_id: int) -> PlanCard | None:
    async with runtime.sessions() as session:
        return await admin_vip.plan(session, plan_id)


def _draft(data: dict[str, Any]) -> PlanDraft:
    price = data.get("price")
    return PlanDraft(
        name=data.get("name"),
        days=data.get("days"),
        price=Decimal(price) if price is not None else None,
        currency=data.get("currency", "USD"),
        stars=data.get("stars"),
    )


@at_plans.on(A.OPEN, A.LIST, A.CANCEL)
async def on_plans(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    await open_screen(
        query, await _plans(visit.runtime, visit.voice, callback_data.page), state=visit.state
    )


@at_plans.on(A.NEW)
async def on_plan_new(query: CallbackQuery, visit: Visit) -> None:
    question = visit.voice.admin_vip.plan_ask(field="name", step=1, total=PLAN_STEPS)
    await ask(query, visit, PlanWizard.name, question, data={})


@at_plans.on(A.VIEW)
@card_press("plan", admin_vip.plan)
async def on_plan(query: CallbackQuery, card: PlanCard, visit: Visit) -> None:
    await open_screen(query, visit.voice.admin_vip.plan(plan=card), state=visit.state)


@at_plans.on(A.EDIT)
@card_press("plan", admin_vip.plan)
async def on_plan_edit_ask(
    query: CallbackQuery, callback_data: AdminCB, card: PlanCard, visit: Visit
) -> None:
    field = callback_data.arg
    if field not in PLAN_FIELDS:
        await answer(query, visit.voice.common.stale())
        return
    await visit.state.set_state(PlanEdit.value)
    await visit.state.set_data({"plan_id": card.id, "field": field})
    await answer(query)
    value = getattr(card, field)
    current = "—" if value is None else str(value)
    await show(query, visit.voice.admin_vip.plan_ask(field=field, current=current))  # type: ignore[arg-type]


@at_plans.on(A.TOGGLE, arg_in=("on", "off"))
@card_press("plan", admin_vip.plan)
async def on_plan_toggle(
    query: CallbackQuery, callback_data: AdminCB, card: PlanCard, visit: Visit
) -> None:
    # The button names the state asked for: a redelivered press sets it again, never
    # flips it back (the catalogue's switch does the same), and says what the plan now is
    # whichever attempt changed it.
    active = callback_data.arg == "on"
    async with visit.runtime.sessions.begin() as session:
        await plans.set_active(session, card.id, active, actor_id=visit.user.id)
    card = await _plan(visit.runtime, card.id) or card
    done = card.active == active
    await answer(query, visit.voice.admin_vip.plan_toggled(plan=card) if done else None)
    await show(query, visit.voice.admin_vip.plan(plan=card))


@at_plans.on(A.DELETE)
@card_press("plan", admin_vip.plan)
async def on_plan_delete(query: CallbackQuery, card: PlanCard, visit: Visit) -> None:
    if card.in_use:
        await answer(query, visit.voice.admin_vip.plan_in_use())
        return
    await open_screen(query, visit.voice.admin_vip.plan_delete_confirm(plan=card))


@at_plans.on(A.DELETE_OK)
@card_press("plan", admin_vip.plan)
async def on_plan_delete_ok(query: CallbackQuery, card: PlanCard, visit: Visit) -> None:
    try:
        async with visit.runtime.sessions.begin() as session:
            await plans.delete_plan(session, card.id, actor_id=visit.user.id)
    except PlanError as exc:
        if exc.code == "in_use":
            await answer(query, visit.voice.admin_vip.plan_in_use())
        else:
            await answer(query, visit.voice.common.not_found_alert("plan"))
        return
    await open_screen(query, visit.voice.admin_vip.plan_deleted(name=card.name))


@at_plans.on(A.SAVE)
async def on_plan_save(query: CallbackQuery, visit: Visit) -> None:
    if await visit.state.get_state() != PlanWizard.confirm.state:
        await answer(query, visit.voice.common.stale())
        return
    draft = _draft(await visit.state.get_data())
    try:
        async with visit.runtime.sessions.begin() as session:
            created = await plans.create_plan(
                session,
                draft.name or "",
                draft.days,
                draft.price,
                draft.currency,
                stars=draft.stars,
                actor_id=visit.user.id,
            )
            card = admin_vip.plan_card(created)
    except PlanError as exc:
        if exc.code == "duplicate":
            await visit.state.set_state(PlanWizard.name)
            await open_screen(
                query, visit.voice.validation.name_taken(value=draft.name or "", section=S.PLANS)
            )
            return
        await answer(query, visit.voice.common.stale())
        return
    await open_screen(
        query, visit.voice.admin_vip.plan_saved(plan=card, created=True), state=visit.state
    )


def _plan_refusal(voice: Voice, field: str, text: str) -> VoiceMessage | None:
    """The validation message for one plan field (None when the value is acceptable)."""
    try:
        if field == "name":
            plans.clean_name(text)
        elif field == "days":
            days = whole_number(voice, text, "days", plans.DAYS_MIN, plans.DAYS_MAX, S.PLANS)
            return None if isinstance(days, int) else days
        elif field == "price":
            if plans.clean_price(text) > PRICE_MAX:
                raise PlanError("price_range", PRICE_MAX)
        elif field == "stars":  # 0: not sold in the bot
            stars = whole_number(voice, text, "stars", 0, plans.STARS_MAX, S.PLANS)
            return None if isinstance(stars, int) else stars
        else:
            plans.clean_currency(text)
    except PlanError as exc:
        if exc.code == "name_empty":
            return voice.validation.too_short(field="name", minimum=1, section=S.PLANS)
        if exc.code == "name_too_long":
            length = len(" ".join(text.split()))
            return voice.validation.too_long(
                field="name", limit=plans.NAME_MAX, length=length, section=S.PLANS
            )
        if exc.code in ("price_invalid", "price_range"):
            return voice.validation.invalid_price(maximum=PRICE_MAX, section=S.PLANS)
        return voice.validation.wrong_form("invalid_currency", section=S.PLANS)
    return None


def _plan_value(field: str, text: str) -> Any:
    if field == "name":
        return plans.clean_name(text)
    if field == "days":
        return plans.clean_days(text)
    if field == "price":
        return str(plans.clean_price(text))
    if field == "stars":
        return int(text.strip()) or None
    return plans.clean_currency(text)


_NEXT: dict[str, tuple[State, str, int]] = {
    "name": (PlanWizard.days, "days", 2),
    "days": (PlanWizard.price, "price", 3),
    "price": (PlanWizard.currency, "currency", 4),
    "currency": (PlanWizard.stars, "stars", 5),
}


def _plan_step(field: str) -> Step:
    """The handler of one create-wizard step (name → days → price → currency → stars)."""

    async def step(message: Message, text: str, visit: Visit) -> None:
        refusal = _plan_refusal(visit.voice, field, text)
        if refusal is not None:
            await reply(message, refusal)
            return
        value = _plan_value(field, text)
        if field == "name":
            async with visit.runtime.sessions() as session:
                taken = await admin_vip.plan_name_taken(session, value)
            if taken:
                await reply(
                    message, visit.voice.validation.name_taken(value=value, section=S.PLANS)
                )
                return
        await visit.state.update_data({field: value})
        if field in _NEXT:
            next_state, next_field, number = _NEXT[field]
            await visit.state.set_state(next_state)
            await reply(
                message,
                visit.voice.admin_vip.plan_ask(field=next_field, step=number, total=PLAN_STEPS),  # type: ignore[arg-type]
            )
            return
        await visit.state.set_state(PlanWizard.confirm)
        await reply(
            message, visit.voice.admin_vip.plan_confirm(draft=_draft(await visit.state.get_data()))
        )

    step.__name__ = step.__qualname__ = f"on_plan_{field}"
    return step


async def _edit_plan(
    session: AsyncSession, plan_id: int, actor_id: int, field: str, value: Any
) -> PlanCard:
    edited = await plans.edit_plan(session, plan_id, actor_id=actor_id, **{field: value})
    return admin_vip.plan_card(edited)


async def on_plan_edit(message: Message, text: str, visit: Visit) -> None:
    data = await kept(message, visit, "field", PLAN_FIELDS)
    if data is None:
        return
    field = str(data["field"])
    refusal = _plan_refusal(visit.voice, field, text)
    if refusal is not None:
        await reply(message, refusal)
        return
    value = _plan_value(field, text)
    try:
        async with visit.runtime.sessions.begin() as session:
            card = await once(
                session,
                "plan.edit",
                PlanCard,
                lambda: _edit_plan(
                    session, int(data.get("plan_id", 0)), visit.user.id, field, value
                ),
            )
    except PlanError as exc:
        if exc.code == "duplicate":
            await reply(message, visit.voice.validation.name_taken(value=value, section=S.PLANS))
            return
        await visit.state.clear()
        await reply(message, visit.voice.common.not_found("plan"))
        return
    await visit.state.clear()
    await reply(message, visit.voice.admin_vip.plan_saved(plan=card, created=False))


def build() -> Router:
    router = Router(name="admin.vip")
    at_tokens.register(router)
    at_vip.register(router)
    at_subs.register(router)
    at_plans.register(router)
    router.callback_query.register(on_issue_go, IssueCB.filter())
    numbers: tuple[tuple[State, Step, Field, S, int], ...] = (
        (IssueWizard.quantity, on_issue_quantity, "quantity", S.VIP, BATCH_MAX),
        (IssueWizard.days, on_issue_days, "days", S.VIP, REDEEM_DAYS_MAX),
        (ExtendWizard.days, on_extend_days, "days", S.SUBS, EXTEND_DAYS_MAX),
    )
    for awaited, step, asked, section, most in numbers:
        text_step(router, awaited, step, field=asked, section=section, within=(1, most))
    for field in PLAN_FIELDS:
        state = getattr(PlanWizard, field)
        text_step(router, state, _plan_step(field), field=field, section=S.PLANS)  # type: ignore[arg-type]
    text_step(router, PlanEdit.value, on_plan_edit, field=from_data("field"), section=S.PLANS)
    return router
