"""Admin panel · Telegram Stars: revenue, a member's payments, and refunds.

- ``open`` (page: the months' page) → revenue: totals, by plan, by month (from the
  observations screen).
- ``list`` (id: the member, page) → the member's payments (from their profile and their
  membership screen); ``view`` (id: a payment, page: the list's page) → one payment, whose
  "Volver" keeps the page.
- ``rfnd`` → the confirmation; ``rfnd_ok`` → the refund
  (:func:`lucien.services.payments.refund`): Telegram gives the Stars back, the period
  loses the purchase's days (or ends, and the member leaves the Diván), the member is told.

A redelivered or repeated "Sí, devolver" refunds once: the service's effect is journaled,
and what is said (to the custodian and to the member) is derived from its result.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from lucien.access.refunds import Refund, RefundError
from lucien.bot.filters import Presses
from lucien.bot.notify import tell
from lucien.bot.ui import answer, open_screen, show
from lucien.bot.visit import Visit
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.db.models import User
from lucien.runtime import Runtime
from lucien.services import admin_users, payments
from lucien.voice import Voice
from lucien.voice.data import PaymentCard

at_payments = Presses(S.PAYMENTS)


@at_payments.on(A.OPEN, A.CANCEL)
async def on_revenue(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    async with visit.runtime.sessions() as session:
        data = await payments.revenue(session, callback_data.page)
    await open_screen(query, visit.voice.admin_payments.revenue(data=data))


@at_payments.on(A.LIST)
async def on_member(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    runtime, voice = visit.runtime, visit.voice
    async with runtime.sessions() as session:
        card = await admin_users.get_card(session, runtime.settings, callback_data.id)
        if card is not None:
            found, at, total = await payments.member_payments(session, card.id, callback_data.page)
    if card is None:  # answered once the session is closed: no Telegram call inside it
        await answer(query, voice.common.not_found_alert("user"))
        return
    await open_screen(
        query, voice.admin_payments.member(user=card, payments=found, page=at, total=total)
    )


async def _payment(query: CallbackQuery, visit: Visit, payment_id: int) -> PaymentCard | None:
    """The payment a button names, or None after telling the custodian it is gone."""
    async with visit.runtime.sessions() as session:
        card = await payments.payment(session, payment_id)
    if card is None:
        await answer(query, visit.voice.admin_payments.payment_gone())
    return card


@at_payments.on(A.VIEW)
async def on_view(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    card = await _payment(query, visit, callback_data.id)
    if card is not None:
        await open_screen(
            query, visit.voice.admin_payments.payment(payment=card, back_page=callback_data.page)
        )


@at_payments.on(A.REFUND)
async def on_refund(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    voice = visit.voice
    card = await _payment(query, visit, callback_data.id)
    if card is None:
        return
    if card.refunded_at is not None:
        await answer(query, voice.common.stale())
        await show(query, voice.admin_payments.payment(payment=card, back_page=callback_data.page))
        return
    if card.user_id is None:
        await answer(query, voice.admin_payments.refund_anonymous())
        return
    await open_screen(
        query, voice.admin_payments.refund_confirm(payment=card, back_page=callback_data.page)
    )


async def _tell_member(runtime: Runtime, voice: Voice, done: Refund) -> None:
    """The member hears that their Stars went back (once: the journal keeps the send)."""
    if done.already or done.user_id is None:
        return
    async with runtime.sessions() as session:
        person = await session.get(User, done.user_id)
    member_voice = Voice(history=None, user_id=None, tz=voice.tz)
    message = member_voice.admin_payments.member_refunded(
        name=(person.first_name if person is not None else "") or "",
        stars_back=done.stars,
        plan_name=done.plan_name,
        ends_at=done.ends_at,
        ended=done.ended,
    )
    await tell(runtime, done.user_id, message)


@at_payments.on(A.REFUND_OK)
async def on_refund_ok(query: CallbackQuery, callback_data: AdminCB, visit: Visit) -> None:
    runtime, voice, user = visit.runtime, visit.voice, visit.user
    card = await _payment(query, visit, callback_data.id)
    if card is None:
        return
    back = callback_data.page
    try:
        done = await payments.refund(runtime, card.id, actor_id=user.id)
    except RefundError as exc:
        if exc.code == "anonymous":
            await answer(query, voice.admin_payments.refund_anonymous())
        elif exc.code == "refused":
            await open_screen(
                query,
                voice.admin_payments.refund_refused(
                    payment=card, reason=exc.reason or "", back_page=back
                ),
            )
        elif exc.code == "not_found":
            await answer(query, voice.admin_payments.payment_gone())
        else:  # busy: the period kept changing; nothing was kept, a new press may do it
            await answer(query, voice.common.failure_alert())
        return
    await _tell_member(runtime, voice, done)
    await payments.leave_if_ended(runtime, done, actor_id=user.id)
    async with runtime.sessions() as session:
        card = await payments.payment(session, card.id) or card
    await open_screen(
        query,
        voice.admin_payments.refunded(
            payment=card,
            ends_at=done.ends_at,
            ended=done.ended,
            already=done.already,
            back_page=back,
        ),
    )


def build() -> Router:
    router = Router(name="admin.payments")
    at_payments.register(router)
    return router
