"""Paying with Telegram Stars, as a person would: the pay button, the invoice, Telegram's
checkout and the payment, through the webhook with the double walking Telegram's flow."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from lucien.access.plans import set_active
from lucien.callbacks import FreeAction, FreeCB, PayCB, VipAction, VipCB
from lucien.db.models import AuditEntry, Payment, Plan, Subscription, User, utcnow
from lucien.jobs.runner import run_cron
from lucien.telegram.double import PaymentResult, TgUser
from tests.access_support import button, buttons, count, end_in, rows, subscription_of
from tests.conftest import ADMIN_ID, OWNER_ID, Harness
from tests.factories import BRUNO, configure, make_plan, make_vip
from tests.test_retry_handlers import deliver


async def stars_plan(
    app: Harness, stars: int | None = 250, name: str = "Mensual", days: int = 30
) -> Plan:
    """A plan sold in the bot for ``stars`` (the admin side sets it the same way)."""
    plan = await make_plan(app.runtime, name, days)
    await set_stars(app, plan.id, stars)
    return plan


async def set_stars(app: Harness, plan_id: int, stars: int | None) -> None:
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(Plan).where(Plan.id == plan_id).values(price_stars=stars))


async def invoice_for(app: Harness, who: TgUser, plan_id: int) -> dict[str, Any]:
    """Press the plan's pay button; the invoice Lucien sent."""
    answer = await app.press(who, PayCB(plan=plan_id).pack())
    assert "factura" in (answer["text"] or "")
    invoice = app.double.last_message(who.id)
    assert invoice is not None and "invoice" in invoice
    return invoice


async def stars_member(app: Harness, who: TgUser) -> Subscription:
    """A member (5 days left) of "Mensual", a plan sold for 250 Stars."""
    await configure(app.runtime, app.double)
    sub = await make_vip(app.runtime, who, days=5, plan_name="Mensual")
    assert sub.plan_id is not None
    await set_stars(app, sub.plan_id, 250)
    return sub


async def ready_invoice(app: Harness, who: TgUser) -> tuple[Plan, dict[str, Any]]:
    """Channels configured, a plan sold for 250 Stars, and its invoice in ``who``'s chat."""
    await configure(app.runtime, app.double)
    plan = await stars_plan(app)
    return plan, await invoice_for(app, who, plan.id)


async def checked_out(app: Harness, who: TgUser) -> str:
    """An invoice whose checkout Lucien has approved; the checkout's id (not charged yet)."""
    _, invoice = await ready_invoice(app, who)
    checkout = app.double.checkout(who, invoice)
    await app.send(checkout)
    return str(checkout["pre_checkout_query"]["id"])


def charge(app: Harness, query_id: str) -> dict[str, Any]:
    """Telegram charges the Stars: the ``successful_payment`` update."""
    paid = app.double.complete_checkout(query_id)
    assert paid is not None, "the checkout was not approved"
    return paid


async def pay(app: Harness, who: TgUser, invoice: dict[str, Any], **kwargs: Any) -> PaymentResult:
    return await app.double.pay(who, invoice, app.send, **kwargs)


async def payments(app: Harness) -> list[Payment]:
    return await rows(app.runtime, select(Payment).order_by(Payment.id))


async def test_a_visitor_pays_from_the_circle_and_the_ritual_begins(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    plan = await stars_plan(app)
    await stars_plan(app, None, name="Anual", days=365)  # sold outside the bot only
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, FreeCB(action=FreeAction.CIRCLE).pack())
    pay_labels = [b["text"] for b in buttons(app.screen(ana)) if b["text"].startswith("⭐")]
    assert pay_labels == ["⭐ Mensual · 250 estrellas"]
    assert "estrellas de Telegram" in app.text(ana)

    await app.press(ana, label="⭐ Mensual")
    invoice = app.double.last_message(ana.id)
    assert invoice is not None
    assert invoice["invoice"]["currency"] == "XTR"
    assert invoice["invoice"]["total_amount"] == 250
    sent = app.double.calls_to("sendInvoice")[-1].params
    assert len(str(sent["payload"]).encode()) <= 128 and sent.get("provider_token") in (None, "")

    result = await pay(app, ana, invoice)
    assert result.paid and result.checkout.ok is True

    sub = await subscription_of(app.runtime, ana.id)
    assert sub.status == "active" and sub.ritual_stage == 1 and sub.plan_id == plan.id
    assert abs((sub.ends_at - sub.started_at) - timedelta(days=30)) < timedelta(seconds=5)
    (payment,) = await payments(app)
    assert (payment.charge_id, payment.kind, payment.stars) == (result.charge_id, "new", 250)
    assert (payment.user_id, payment.plan_id, payment.subscription_id) == (ana.id, plan.id, sub.id)
    assert (payment.plan_name, payment.days) == ("Mensual", 30)
    texts = app.texts_to(ana.id)
    assert "estrellas han llegado" in texts[-2] or "Recibido" in texts[-2]
    assert any(b["text"].startswith("Continuar") for b in buttons(app.screen(ana)))  # stage 1
    audit = await rows(
        app.runtime, select(AuditEntry).where(AuditEntry.action == "payment.received")
    )
    assert len(audit) == 1 and audit[0].after["stars"] == 250
    assert audit[0].after["charge_id"] == result.charge_id and audit[0].after["mode"] == "new"


async def test_a_member_renews_from_the_renewal_screen(app: Harness, ana: TgUser) -> None:
    sub = await stars_member(app, ana)
    before = (await subscription_of(app.runtime, ana.id)).ends_at

    await app.send(app.updates.command(ana, "menu"))
    await app.press(ana, VipCB(action=VipAction.RENEW).pack())
    assert "renueve aquí mismo" in app.text(ana)
    await app.press(ana, label="⭐ Mensual")
    result = await pay(app, ana, app.double.last_message(ana.id) or {})

    after = await subscription_of(app.runtime, ana.id)
    assert after.id == sub.id and after.ends_at - before == timedelta(days=30)
    assert after.ritual_stage == 4  # an extension never shows the ritual again
    (payment,) = await payments(app)
    assert (payment.kind, payment.subscription_id, payment.charge_id) == (
        "renewal",
        sub.id,
        result.charge_id,
    )
    assert "Nueva fecha de término" in app.text(ana)


async def test_the_same_charge_twice_grants_one_period(app: Harness, ana: TgUser) -> None:
    _plan, invoice = await ready_invoice(app, ana)
    result = await pay(app, ana, invoice, charge_id="stxc-once")
    assert result.update is not None
    ends_at = (await subscription_of(app.runtime, ana.id)).ends_at
    sent = len(app.double.sent_messages(ana.id))

    # Telegram sends the payment again as a new update (another update id, same charge).
    paid = result.update["message"]["successful_payment"]
    again = app.updates.successful_payment(ana, paid["invoice_payload"], 250, "stxc-once")
    assert again["update_id"] != result.update["update_id"]
    await app.send(again)

    assert await count(app.runtime, Subscription) == 1
    assert (await subscription_of(app.runtime, ana.id)).ends_at == ends_at
    assert len(await payments(app)) == 1
    assert len(app.double.sent_messages(ana.id)) == sent  # nothing more to say
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "payment.received") == 1


async def test_stars_for_an_unreadable_invoice_are_kept_and_the_custodians_told(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    await app.send(app.updates.command(ana, "start"))
    update = app.updates.successful_payment(ana, "not-a-lucien-invoice", 250, "stxc-odd")
    statuses = await deliver(app, update)
    await app.post(update)  # a redelivery tells no one twice

    assert statuses == [200]
    (paid,) = await payments(app)
    assert (paid.user_id, paid.stars, paid.days) == (ana.id, 250, 0)
    assert await count(app.runtime, Subscription) == 0  # nothing granted
    told = [m for m in app.double.sent_messages(ana.id) if "no logro reconocer" in m["text"]]
    assert len(told) == 1
    for custodian in (OWNER_ID, ADMIN_ID):
        alerts = [
            m
            for m in app.double.sent_messages(custodian)
            if "factura que no reconozco" in m.get("text", "")
        ]
        assert len(alerts) == 1 and "Ana" in alerts[0]["text"], alerts


async def test_the_same_charge_concurrently_grants_one_period(app: Harness, ana: TgUser) -> None:
    _plan, invoice = await ready_invoice(app, ana)
    payload = app.double.find_invoice(invoice).payload
    updates = [app.updates.successful_payment(ana, payload, 250, "stxc-race") for _ in range(6)]
    responses = await asyncio.gather(*(app.post(u) for u in updates))

    assert [r.status_code for r in responses] == [200] * 6
    assert await count(app.runtime, Subscription) == 1
    sub = await subscription_of(app.runtime, ana.id)
    assert abs((sub.ends_at - sub.started_at) - timedelta(days=30)) < timedelta(seconds=5)
    assert len(await payments(app)) == 1
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "payment.received") == 1
    stage1 = [m for m in app.double.sent_messages(ana.id) if "Continuar" in str(m)]
    assert len(stage1) == 1


async def test_two_different_charges_at_once_both_count(app: Harness, ana: TgUser) -> None:
    _plan, invoice = await ready_invoice(app, ana)
    payload = app.double.find_invoice(invoice).payload
    updates = [app.updates.successful_payment(ana, payload, 250, f"stxc-{n}") for n in range(2)]
    await asyncio.gather(*(app.send(u) for u in updates))

    sub = await subscription_of(app.runtime, ana.id)
    assert await count(app.runtime, Subscription) == 1
    assert abs((sub.ends_at - sub.started_at) - timedelta(days=60)) < timedelta(seconds=5)
    assert sorted(p.kind for p in await payments(app)) == ["new", "renewal"]


async def test_a_price_changed_after_the_invoice_is_refused_at_checkout(
    app: Harness, ana: TgUser
) -> None:
    plan, invoice = await ready_invoice(app, ana)
    await set_stars(app, plan.id, 300)

    result = await pay(app, ana, invoice)
    assert not result.paid and result.checkout.ok is False
    assert "condiciones de este plan cambiaron" in (result.checkout.error_message or "")
    assert "No se le ha cobrado nada" in (result.checkout.error_message or "")
    assert await payments(app) == [] and await count(app.runtime, Subscription) == 0
    assert app.double.stars.transactions == []

    fresh = await invoice_for(app, ana, plan.id)  # a new invoice carries the new price
    assert fresh["invoice"]["total_amount"] == 300
    assert (await pay(app, ana, fresh)).paid


async def test_a_withdrawn_plan_is_refused_at_checkout_and_at_the_button(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    plan = await stars_plan(app)
    other = await stars_plan(app, 90, name="Semana", days=7)
    invoice = await invoice_for(app, ana, plan.id)
    second = await invoice_for(app, ana, other.id)
    async with app.runtime.sessions.begin() as session:
        await set_active(session, plan.id, False)
    await set_stars(app, other.id, None)  # no longer sold in the bot

    for pending in (invoice, second):
        result = await pay(app, ana, pending)
        assert not result.paid
        assert "ha retirado esta forma de entrar" in (result.checkout.error_message or "")
    answer = await app.press(ana, PayCB(plan=plan.id).pack())
    assert answer["show_alert"] is True and "ya no se ofrece" in answer["text"]
    assert len(app.double.calls_to("sendInvoice")) == 2
    assert await payments(app) == []


async def test_a_blocked_person_is_refused_at_checkout(app: Harness, ana: TgUser) -> None:
    _plan, invoice = await ready_invoice(app, ana)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(User).where(User.id == ana.id).values(is_blocked=True))

    result = await pay(app, ana, invoice)
    assert not result.paid
    assert "cerrado esta puerta" in (result.checkout.error_message or "")
    assert await payments(app) == [] and await count(app.runtime, Subscription) == 0


async def test_an_invoice_paid_by_someone_else_is_refused(app: Harness, ana: TgUser) -> None:
    _, invoice = await ready_invoice(app, ana)  # e.g. forwarded to Bruno
    result = await pay(app, BRUNO, invoice)
    assert not result.paid and "otra alma" in (result.checkout.error_message or "")


async def test_stars_charged_from_a_person_blocked_meanwhile_are_still_recorded(
    app: Harness, ana: TgUser
) -> None:
    query_id = await checked_out(app, ana)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(User).where(User.id == ana.id).values(is_blocked=True))
    await app.send(charge(app, query_id))
    assert len(await payments(app)) == 1  # the Stars are not lost: a refund settles it


async def test_a_payment_whose_welcome_fails_is_granted_once_on_redelivery(
    app: Harness, ana: TgUser
) -> None:
    paid = charge(app, await checked_out(app, ana))

    app.double.fail_network("sendMessage", mode="bad_gateway")  # after the payment is recorded
    statuses = await deliver(app, paid)

    assert statuses == [500, 200]
    assert len(await payments(app)) == 1 and await count(app.runtime, Subscription) == 1
    sub = await subscription_of(app.runtime, ana.id)
    assert abs((sub.ends_at - sub.started_at) - timedelta(days=30)) < timedelta(seconds=5)
    texts = app.texts_to(ana.id)
    assert sum("Plan: " in t and "estrellas" in t for t in texts) == 1  # the receipt, once
    assert sum("Continuar" in str(m) for m in app.double.sent_messages(ana.id)) == 1
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "payment.received") == 1


async def test_a_pay_press_redelivered_sends_one_invoice(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await stars_plan(app)
    await app.send(app.updates.command(ana, "start"))
    app.double.fail_network("sendInvoice", mode="bad_gateway")
    statuses = await deliver(app, app.updates.callback(ana, PayCB(plan=plan.id).pack()))
    assert statuses == [500, 200]
    assert len([c for c in app.double.calls_to("sendInvoice") if c.ok]) == 1
    assert len(app.double.callback_answers) == 1


async def test_a_late_checkout_answer_is_not_a_failure(app: Harness, ana: TgUser) -> None:
    _plan, invoice = await ready_invoice(app, ana)
    checkout = app.double.checkout(ana, invoice)
    app.double.stars.checkouts[checkout["pre_checkout_query"]["id"]].date -= 60  # expired
    await app.send(checkout)  # answered 200: Telegram has cancelled it already
    assert app.double.calls_to("answerPreCheckoutQuery")[-1].ok is False
    assert await payments(app) == []


async def test_the_reminder_carries_the_pay_button(app: Harness, ana: TgUser) -> None:
    sub = await stars_member(app, ana)
    await end_in(app.runtime, sub.id, timedelta(hours=20))
    before = (await subscription_of(app.runtime, ana.id)).ends_at

    await run_cron(app.runtime)
    reminder = app.double.last_message(ana.id)
    pay_button = button(reminder, "⭐ Mensual")
    assert button(reminder, "Renovar")  # the renewal screen is still one press away
    await app.send(app.updates.callback(ana, pay_button["callback_data"]))
    await pay(app, ana, app.double.last_message(ana.id) or {})
    after = await subscription_of(app.runtime, ana.id)
    assert after.ends_at - before == timedelta(days=30)


async def test_no_pay_button_in_a_reminder_for_a_plan_not_sold_in_the_bot(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    sub = await make_vip(app.runtime, ana, days=5, plan_name="Mensual")
    await end_in(app.runtime, sub.id, timedelta(hours=20))
    await run_cron(app.runtime)
    reminder = app.double.last_message(ana.id)
    assert reminder is not None and "Fecha de término" in reminder["text"]
    assert not [b for b in buttons(reminder) if b["text"].startswith("⭐")]
    assert utcnow() < (await subscription_of(app.runtime, ana.id)).ends_at
