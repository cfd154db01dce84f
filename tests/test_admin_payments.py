"""Telegram Stars, the custodian's side: prices in Stars, payments, revenue and refunds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import AuditEntry, Payment, Plan, Subscription, utcnow
from lucien.telegram.double import TgUser
from tests.access_support import calls, count, rows
from tests.admin_support import audit_of, cb, statements
from tests.conftest import Backend, Harness
from tests.factories import VIP, add_payment, add_subscription, configure, make_plan
from tests.test_access_redemption import _cli
from tests.test_retry_handlers import deliver

BRUNO = TgUser(id=6001, first_name="Bruno")


async def _payment(app: Harness, payment_id: int) -> Payment:
    return (await rows(app.runtime, select(Payment).where(Payment.id == payment_id)))[0]


async def _end(app: Harness, sub_id: int) -> datetime:
    found = await rows(app.runtime, select(Subscription.ends_at).where(Subscription.id == sub_id))
    return found[0]


def _refunds(app: Harness) -> list[Any]:
    return calls(app.double, "refundStarPayment")


Cli = Callable[..., Awaitable[str]]


@pytest.fixture
def cli(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """``lucien …`` against this test's database, off the event loop; returns its output."""

    async def run(*argv: str) -> str:
        return await asyncio.to_thread(_cli, monkeypatch, backend, capsys, *argv)

    return run


# -- prices in Stars ------------------------------------------------------------------------


async def test_cli_adds_plans_with_a_stars_price(app: Harness, cli: Cli) -> None:
    stars_only = ("plans", "add", "--name", "Solo estrellas", "--days", "30", "--stars", "250")
    out = await cli(*stars_only)
    assert "Solo estrellas\t30 days\t0.00 USD\t250 stars\tactive" in out
    both = ("plans", "add", "--name", "Ambos", "--days", "90", "--price", "49.90", "--stars", "600")
    await cli(*both)
    listed = await cli("plans", "list")
    assert "Ambos\t90 days\t49.90 USD\t600 stars\tactive" in listed
    stored = await rows(app.runtime, select(Plan).order_by(Plan.id))
    assert [(p.name, p.price_stars) for p in stored] == [("Solo estrellas", 250), ("Ambos", 600)]
    (created, _) = await audit_of(app.runtime, "plan.created")
    assert created.after and created.after["price_stars"] == 250


async def test_cli_refuses_a_stars_price_out_of_range(app: Harness, cli: Cli) -> None:
    args = ("plans", "add", "--name", "Caro", "--days", "30", "--stars", "10001")
    with pytest.raises(AssertionError):
        await cli(*args)
    assert await count(app.runtime, Plan) == 0


async def test_wizard_sets_and_edit_clears_a_stars_price(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.PLANS, A.NEW))
    for answer in ("Mensual estelar", "30", "19.99", "usd"):
        await app.say(owner, answer)
    assert "Paso 5 de 5" in app.text(owner)
    assert "entre 0 y 10000" in await app.say(owner, "doscientas")
    assert "Con estrellas: 250 ⭐" in await app.say(owner, "250")
    await app.press(owner, label="Crear")
    (plan,) = await rows(app.runtime, select(Plan))
    assert plan.price_stars == 250
    assert "250 ⭐" in app.text(owner)

    await app.press(owner, cb(S.PLANS, A.VIEW, id=plan.id))
    assert "Con estrellas: 250 ⭐" in app.text(owner)
    await app.press(owner, label="Estrellas")
    assert "Valor actual: 250" in app.text(owner)
    await app.say(owner, "0")  # no longer sold in the bot
    assert await rows(app.runtime, select(Plan.price_stars)) == [None]
    (edited,) = await audit_of(app.runtime, "plan.edited")
    assert edited.actor_id == owner.id and edited.before and edited.after
    assert (edited.before["price_stars"], edited.after["price_stars"]) == (250, None)


# -- payments and revenue -------------------------------------------------------------------


async def test_a_members_payments_page_and_back_keeps_the_page(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    sub_id = await add_subscription(app.runtime, BRUNO.id, timedelta(days=300), plan_id=plan.id)
    start = utcnow() - timedelta(days=40)
    made = []
    for n in range(10):
        made.append(
            await add_payment(
                app.runtime,
                BRUNO.id,
                plan=plan,
                subscription_id=sub_id,
                paid_at=start + timedelta(days=n),
                stars=100 + n,
                kind="renewal" if n else "new",
            )
        )
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.USERS, A.VIEW, id=BRUNO.id, arg="sum"))
    await app.press(owner, label="Pagos en estrellas")
    text = app.shows(owner, "10 pagos", "Página 1 de 2", "Pagadas: 1.045 ⭐", "netas: 1.045 ⭐")
    assert "109 ⭐" in text and "101 ⭐" not in text  # newest first, 8 a page
    with statements(app.runtime) as seen:
        await app.press(owner, label="Siguiente")
    assert "Página 2 de 2" in app.text(owner) and "100 ⭐" in app.text(owner)
    assert len([s for s in seen if "FROM payments" in s]) == 2  # the totals and one page
    await app.press(owner, cb(S.PAYMENTS, A.VIEW, id=made[0].id, page=1))  # the oldest
    assert "Pago de 100 estrellas" in app.text(owner) and "entrada al círculo" in app.text(owner)
    await app.press(owner, label="Volver")
    assert "Página 2 de 2" in app.text(owner)
    await app.press(owner, label="Volver al perfil")
    assert "Bruno" in app.text(owner)

    await app.press(owner, cb(S.SUBS, A.VIEW, id=sub_id))  # also from the membership screen
    await app.press(owner, label="⭐ Pagos")
    assert "10 pagos" in app.text(owner)


async def test_revenue_by_plan_and_month_in_the_observations(app: Harness, owner: TgUser) -> None:
    monthly = await make_plan(app.runtime, "Mensual", 30)
    yearly = await make_plan(app.runtime, "Anual", 365)
    january = datetime(2026, 1, 15, 12, tzinfo=UTC)
    february = datetime(2026, 2, 3, 9, tzinfo=UTC)
    await add_payment(app.runtime, BRUNO.id, plan=monthly, stars=250, paid_at=january)
    await add_payment(app.runtime, 6002, plan=monthly, stars=250, paid_at=february)
    await add_payment(
        app.runtime,
        6003,
        plan=yearly,
        stars=2000,
        paid_at=february,
        refunded_at=february + timedelta(days=1),
        refunded_days=365,
    )
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.STATS))
    app.shows(owner, "Estrellas", "Pagos: 3", "pagadas: 2.500", "devueltas: 2.000")
    await app.press(owner, label="Ingresos")
    text = app.shows(
        owner,
        "3 pagos",
        "Pagadas: 2.500 ⭐ · devueltas: 2.000 ⭐ · netas: 500 ⭐",
        "Mensual: 2 pagos · 500 ⭐ netas",
        "Anual: 1 pago · 0 ⭐ netas (2.000 ⭐ devueltas)",
        "febrero de 2026: 2 pagos · 250 ⭐ netas",
        "enero de 2026: 1 pago · 250 ⭐ netas",
    )
    assert text.index("febrero de 2026") < text.index("enero de 2026")
    await app.press(owner, label="Volver")
    assert "Observaciones" in app.text(owner)


async def test_revenue_months_are_paged(app: Harness, owner: TgUser) -> None:
    for month in range(1, 9):
        await add_payment(
            app.runtime, BRUNO.id, stars=month, paid_at=datetime(2025, month, 10, tzinfo=UTC)
        )
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.PAYMENTS))
    assert "Página 1 de 2" in app.text(owner) and "agosto de 2025" in app.text(owner)
    assert "febrero de 2025" not in app.text(owner)
    await app.press(owner, label="Siguiente")
    assert "febrero de 2025" in app.text(owner) and "enero de 2025" in app.text(owner)


# -- refunds --------------------------------------------------------------------------------


async def _member_with_payment(
    app: Harness, left: timedelta, days: int = 30
) -> tuple[int, Payment]:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime, "Mensual", days)
    sub_id = await add_subscription(app.runtime, BRUNO.id, left, plan_id=plan.id)
    app.double.set_member(VIP, BRUNO)
    paid = await add_payment(
        app.runtime, BRUNO.id, plan=plan, subscription_id=sub_id, double=app.double
    )
    return sub_id, paid


async def _refund(app: Harness, owner: TgUser, payment_id: int) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.PAYMENTS, A.VIEW, id=payment_id))
    await app.press(owner, label="Devolver las estrellas")
    assert "¿Devuelvo 250 estrellas" in app.text(owner)
    assert _refunds(app) == []
    await app.press(owner, label="Sí, devolver")


async def test_a_refund_shortens_the_period(app: Harness, owner: TgUser) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=45))
    before = await _end(app, sub_id)
    await _refund(app, owner, paid.id)

    app.shows(owner, "250 estrellas devueltas", "pierde 30 días")
    (call,) = _refunds(app)
    assert call.params["telegram_payment_charge_id"] == paid.charge_id
    assert app.double.stars.charges[paid.charge_id].refunded
    assert before - await _end(app, sub_id) == timedelta(days=30)
    stored = await _payment(app, paid.id)
    assert stored.refunded_at is not None and stored.refunded_by == owner.id
    assert stored.refunded_days == 30
    (entry,) = await audit_of(app.runtime, "payment.refunded")
    assert entry.actor_id == owner.id and entry.target_id == str(paid.id)
    told = [m["text"] for m in app.double.sent_messages(BRUNO.id)]
    assert len(told) == 1 and "250 estrellas" in told[0] and "sigue vigente" in told[0]
    assert app.double.is_participant(VIP, BRUNO.id)  # still a member
    assert calls(app.double, "banChatMember") == []


async def test_a_refund_ends_a_shorter_period_and_removes_the_member(
    app: Harness, owner: TgUser
) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=10))
    await _refund(app, owner, paid.id)

    assert "ha concluido y sale del Diván" in app.text(owner)
    sub = (await rows(app.runtime, select(Subscription).where(Subscription.id == sub_id)))[0]
    assert sub.status == "expired" and sub.removed_at is not None
    assert sub.ends_at <= utcnow()
    assert (await _payment(app, paid.id)).refunded_days == 10  # what was left
    assert not app.double.is_participant(VIP, BRUNO.id)
    assert len(calls(app.double, "banChatMember", chat_id=VIP, user_id=BRUNO.id)) == 1
    told = [m["text"] for m in app.double.sent_messages(BRUNO.id)]
    assert len(told) == 2 and "concluye su estancia" in told[0]  # the refund, then farewell
    assert await audit_of(app.runtime, "subscription.removed")


async def test_a_second_press_refunds_nothing_more(app: Harness, owner: TgUser) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=45))
    await _refund(app, owner, paid.id)
    end = await _end(app, sub_id)
    await app.press(owner, cb(S.PAYMENTS, A.REFUND_OK, id=paid.id))  # an old button

    assert "ya estaba devuelto" in app.text(owner)
    assert len(_refunds(app)) == 1 and await _end(app, sub_id) == end
    assert len(await audit_of(app.runtime, "payment.refunded")) == 1
    assert len(app.double.sent_messages(BRUNO.id)) == 1
    await app.press(owner, cb(S.PAYMENTS, A.REFUND, id=paid.id))
    assert "Devolver las estrellas" not in app.labels(owner)


async def test_a_refund_redelivered_after_a_failure_refunds_and_shortens_once(
    app: Harness, owner: TgUser
) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=45))
    before = await _end(app, sub_id)
    await app.send(app.updates.command(owner, "admin"))
    app.double.fail_network("sendMessage", mode="bad_gateway")  # the member's note
    statuses = await deliver(
        app, app.updates.callback(owner, cb(S.PAYMENTS, A.REFUND_OK, id=paid.id))
    )

    assert statuses == [500, 200]
    assert len(_refunds(app)) == 1
    assert before - await _end(app, sub_id) == timedelta(days=30)
    assert len(await audit_of(app.runtime, "payment.refunded")) == 1
    assert len(app.double.sent_messages(BRUNO.id)) == 1  # the lost note, sent once
    assert "250 estrellas devueltas" in app.text(owner)


async def test_a_refund_whose_answer_was_lost_counts_as_done(app: Harness, owner: TgUser) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=45))
    before = await _end(app, sub_id)
    app.double.fail_network("refundStarPayment")  # the connection drops: unknown outcome
    await app.send(app.updates.command(owner, "admin"))
    statuses = await deliver(
        app, app.updates.callback(owner, cb(S.PAYMENTS, A.REFUND_OK, id=paid.id))
    )
    assert statuses[0] == 500 and statuses[-1] == 200
    assert before - await _end(app, sub_id) == timedelta(days=30)

    # Telegram did refund, but the answer never came back: the next press hears
    # CHARGE_ALREADY_REFUNDED, which is the refund done.
    _, other = await _other_payment(app)
    app.double.stars.charges[other.charge_id].refunded = True
    await app.press(owner, cb(S.PAYMENTS, A.REFUND_OK, id=other.id))
    assert "devueltas" in app.text(owner)
    assert (await _payment(app, other.id)).refunded_at is not None
    assert len(await audit_of(app.runtime, "payment.refunded")) == 2


async def _other_payment(app: Harness) -> tuple[int, Payment]:
    sub_id = await add_subscription(app.runtime, 6002, timedelta(days=60))
    paid = await add_payment(app.runtime, 6002, subscription_id=sub_id, double=app.double)
    return sub_id, paid


async def test_a_refusal_changes_nothing(app: Harness, owner: TgUser) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=45))
    del app.double.stars.charges[paid.charge_id]  # Telegram knows no such charge
    end = await _end(app, sub_id)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.PAYMENTS, A.REFUND_OK, id=paid.id))

    assert "no ha aceptado" in app.text(owner) and "CHARGE_NOT_FOUND" in app.text(owner)
    assert (await _payment(app, paid.id)).refunded_at is None
    assert await _end(app, sub_id) == end
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "payment.refunded") == 0
    assert app.double.sent_messages(BRUNO.id) == []


async def test_a_visitor_cannot_refund(app: Harness, ana: TgUser) -> None:
    _, paid = await _member_with_payment(app, timedelta(days=45))
    await app.press(ana, cb(S.PAYMENTS, A.REFUND_OK, id=paid.id))
    assert _refunds(app) == [] and (await _payment(app, paid.id)).refunded_at is None


async def test_payments_are_kept_whatever_their_age(app: Harness) -> None:
    """Financial records: the cron's clean-up has no retention for them (README, Data)."""
    from lucien.jobs.runner import run_cron

    await add_payment(app.runtime, BRUNO.id, paid_at=utcnow() - timedelta(days=3650))
    await run_cron(app.runtime)
    assert await count(app.runtime, Payment) == 1


async def test_two_custodians_refunding_at_once_refund_once(app: Harness, owner: TgUser) -> None:
    sub_id, paid = await _member_with_payment(app, timedelta(days=45))
    before = await _end(app, sub_id)
    admin = TgUser(id=1002, first_name="Custodio")
    for who in (owner, admin):
        await app.send(app.updates.command(who, "admin"))
    presses = [
        app.updates.callback(who, cb(S.PAYMENTS, A.REFUND_OK, id=paid.id)) for who in (owner, admin)
    ]
    answers = await asyncio.gather(*(app.post(update) for update in presses))

    assert [r.status_code for r in answers] == [200, 200]
    assert before - await _end(app, sub_id) == timedelta(days=30)  # shortened once
    assert len(await audit_of(app.runtime, "payment.refunded")) == 1
    assert app.double.stars.charges[paid.charge_id].refunded
    assert len(app.double.sent_messages(BRUNO.id)) == 1  # told once
    said = app.text(owner) + app.text(admin)
    assert "250 estrellas devueltas" in said and "ya estaba devuelto" in said


async def test_a_renewal_paid_in_the_bot_is_refunded_from_the_panel(
    app: Harness, owner: TgUser
) -> None:
    """End to end: the member renews with Stars (Telegram's flow in the double), the
    custodian finds the payment on their profile and gives it back."""
    from tests.test_payments import invoice_for, pay, stars_member

    sub = await stars_member(app, BRUNO)
    before = await _end(app, sub.id)
    assert sub.plan_id is not None
    await app.send(app.updates.command(BRUNO, "start"))
    result = await pay(app, BRUNO, await invoice_for(app, BRUNO, sub.plan_id))
    assert result.paid
    assert await _end(app, sub.id) - before == timedelta(days=30)

    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.USERS, A.VIEW, id=BRUNO.id, arg="sum"))
    await app.press(owner, label="Pagos en estrellas")
    assert "1 pago" in app.text(owner) and "250 ⭐" in app.text(owner)
    await app.press(owner, label="Mensual")
    assert "renovación" in app.text(owner)
    await app.press(owner, label="Devolver las estrellas")
    await app.press(owner, label="Sí, devolver")

    assert "pierde 30 días" in app.text(owner)
    assert await _end(app, sub.id) == before  # back where it was before the renewal
    assert app.double.stars.charges[str(result.charge_id)].refunded
    assert app.double.stars.balance() == 0


async def test_a_members_payments_are_listed_and_a_stranger_is_not_found(
    app: Harness, owner: TgUser
) -> None:
    await add_payment(app.runtime, BRUNO.id, plan_name="Mensual", stars=250)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.PAYMENTS, A.LIST, id=BRUNO.id))
    shown = app.shows(owner, "Bruno", "1 pago", buttons=("Mensual",))

    told = await app.press(owner, cb(S.PAYMENTS, A.LIST, id=987_654))  # nobody by that id
    assert "No encuentro a esa persona" in (told["text"] or "")
    assert app.text(owner) == shown
