"""Admin panel › VIP: invitations, subscribers and plans, through the webhook."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.callbacks import IssueCB
from lucien.db.models import Invitation, Plan, Subscription, User, utcnow
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, calls, count, rows, shows_hostile_name
from tests.admin_support import add_personal_link, audit_of, cb, snapshot, statements
from tests.conftest import Harness
from tests.factories import (
    VIP,
    add_subscription,
    configure,
    expire_invitation,
    make_invitation,
    make_plan,
)

DEEP_LINK = re.compile(r"https://t\.me/LucienBot\?start=([A-Za-z0-9_-]{32})")


async def _open(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.VIP))


async def _sub(app: Harness, sub_id: int) -> Subscription:
    found = await rows(app.runtime, select(Subscription).where(Subscription.id == sub_id))
    return found[0]


# -- the section menu -----------------------------------------------------------------------


async def test_vip_menu_shows_counts_and_sections(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    await make_invitation(app.runtime, plan.id)
    await add_subscription(app.runtime, 6001, timedelta(days=3), plan_id=plan.id)
    await add_subscription(app.runtime, 6002, timedelta(days=20), plan_id=plan.id)
    await _open(app, owner)
    app.shows(
        owner,
        "Miembros vigentes: 2",
        "Vencen en 7 días: 1",
        "Invitaciones sin usar: 1",
        "Planes activos: 1",
        buttons=("Emitir invitaciones", "Invitaciones", "Miembros", "Planes", "Volver"),
    )


# -- invitations ----------------------------------------------------------------------------


async def test_issue_with_buttons(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime, "Mensual", 30)
    await _open(app, owner)
    await app.press(owner, label="Emitir invitaciones")
    assert "¿Para qué plan?" in app.text(owner)
    await app.press(owner, label="Mensual")
    assert "¿Cuántas invitaciones" in app.text(owner)
    await app.press(owner, cb(S.TOKENS, A.ISSUE_QTY, id=plan.id, arg="5"))
    assert "¿Cuántos días tendrán para canjearse?" in app.text(owner)
    await app.press(owner, label="7 d")

    text = app.text(owner)
    tokens = DEEP_LINK.findall(text)
    assert len(tokens) == 5 and "5 invitaciones emitidas" in text and "Mensual" in text
    stored = await rows(app.runtime, select(Invitation).order_by(Invitation.id))
    assert sorted(t.token for t in stored) == sorted(tokens)
    for item in stored:
        assert item.plan_id == plan.id and item.created_by == owner.id
        assert abs((item.redeem_by - utcnow()) - timedelta(days=7)) < timedelta(minutes=1)
    (entry,) = await audit_of(app.runtime, "invitation.issued")
    assert entry.actor_id == owner.id and entry.after and entry.after["count"] == 5
    assert len(app.double.sent_messages(owner.id)) == 1  # all edits of the same message


async def test_issue_wizard_validates_and_splits_a_big_batch(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime, "Anual", 365)
    await _open(app, owner)
    await app.press(owner, cb(S.TOKENS, A.ISSUE_PLAN, id=plan.id))

    assert "entre 1 y 50" in await app.say(owner, "muchas")
    assert "entre 1 y 50" in await app.say(owner, "60")
    assert await count(app.runtime, Invitation) == 0
    await app.say(owner, "50")  # a separate request: the wizard remembers the plan
    assert "50 invitaciones para Anual" in app.text(owner)
    assert "entre 1 y 365" in await app.say(owner, "400")
    await app.say(owner, "30")

    sent = app.double.sent_messages(owner.id)
    batch = [m for m in sent if "emitidas" in (m.get("text") or "")]
    assert len(batch) >= 2  # too long for one message
    assert all(len(m["text"]) <= 4096 for m in batch)
    tokens = [t for m in batch for t in DEEP_LINK.findall(m["text"])]
    assert len(tokens) == 50 == len(set(tokens))
    assert "Emitir más" in app.labels(batch[-1])[0]
    stored = await rows(app.runtime, select(Invitation))
    assert len(stored) == 50
    assert all(
        abs((i.redeem_by - utcnow()) - timedelta(days=30)) < timedelta(minutes=1) for i in stored
    )
    await app.say(owner, "7")  # the wizard is over: a number is no longer an answer
    assert await count(app.runtime, Invitation) == 50


async def test_cancel_leaves_the_issue_wizard(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    await _open(app, owner)
    await app.press(owner, cb(S.TOKENS, A.ISSUE_PLAN, id=plan.id))
    await app.say(owner, "2")
    await app.send(app.updates.command(owner, "cancel"))
    said = app.text(owner).lower()
    assert "cancel" in said or "lo dejamos" in said
    await app.say(owner, "7")
    assert await count(app.runtime, Invitation) == 0

    # The Cancel button too: back to the VIP menu, the wizard forgotten.
    await app.press(owner, cb(S.TOKENS, A.ISSUE_PLAN, id=plan.id))
    await app.press(owner, label="Cancelar")
    assert "El círculo" in app.text(owner)
    await app.say(owner, "3")
    assert await count(app.runtime, Invitation) == 0


async def test_inactive_plan_cannot_be_issued(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(Plan).values(active=False))
    await _open(app, owner)
    await app.press(owner, cb(S.TOKENS, A.ISSUE))
    assert "no hay ninguno" in app.text(owner)
    await app.press(owner, IssueCB(plan=plan.id, quantity=1, days=7).pack())
    assert "plan" in (app.answer()["text"] or "")
    assert await count(app.runtime, Invitation) == 0


async def test_token_lists_filters_and_pages(app: Harness, owner: TgUser, ana: TgUser) -> None:
    plan = await make_plan(app.runtime)
    for _ in range(12):
        await make_invitation(app.runtime, plan.id)
    used = await make_invitation(app.runtime, plan.id)
    await app.send(app.updates.command(ana, "start", used.token))
    expired = await make_invitation(app.runtime, plan.id)
    await expire_invitation(app.runtime, expired.id, ago=timedelta(days=1))

    await _open(app, owner)
    await app.press(owner, label="Invitaciones")
    filters = ("Usadas (1)", "Vencidas (1)")
    text = app.shows(owner, "Invitaciones · sin usar (12)", "Página 1 de 3", buttons=filters)
    first_page = set(DEEP_LINK.findall(text))
    assert len(first_page) == 5
    await app.press(owner, label="Siguiente")
    text = app.text(owner)
    assert "Página 2 de 3" in text and not first_page & set(DEEP_LINK.findall(text))
    await app.press(owner, label="Siguiente")
    assert len(DEEP_LINK.findall(app.text(owner))) == 2

    await app.press(owner, cb(S.TOKENS, A.LIST, arg="used"))
    assert used.token in app.text(owner) and "canjeada por Ana" in app.text(owner)
    await app.press(owner, cb(S.TOKENS, A.LIST, arg="expired"))
    assert expired.token in app.text(owner) and "venció" in app.text(owner)


async def test_revoke_an_unused_invitation(app: Harness, owner: TgUser, ana: TgUser) -> None:
    plan = await make_plan(app.runtime)
    invitation = await make_invitation(app.runtime, plan.id)
    await _open(app, owner)
    await app.press(owner, cb(S.TOKENS, A.LIST, arg="unused"))
    await app.press(owner, label="Revocar")
    assert "¿Revoco la invitación" in app.text(owner)
    assert (await rows(app.runtime, select(Invitation.revoked_at)))[0] is None
    await app.press(owner, label="Sí, revocar")
    assert "queda revocada" in app.text(owner)
    assert (await rows(app.runtime, select(Invitation.revoked_at)))[0] is not None
    (entry,) = await audit_of(app.runtime, "invitation.revoked")
    assert entry.actor_id == owner.id and entry.target_id == str(invitation.id)

    await app.press(owner, cb(S.TOKENS, A.REVOKE_OK, id=invitation.id))  # again
    assert "ya está revocada" in (app.answer()["text"] or "")
    assert len(await audit_of(app.runtime, "invitation.revoked")) == 1
    await app.send(app.updates.command(ana, "start", invitation.token))
    assert await count(app.runtime, Subscription) == 0

    used = await make_invitation(app.runtime, plan.id)
    await app.send(app.updates.command(ana, "start", used.token))
    await app.press(owner, cb(S.TOKENS, A.REVOKE, id=used.id))
    assert "ya está usada" in (app.answer()["text"] or "")


# -- subscribers --------------------------------------------------------------------------


async def test_subscriber_filters_pages_and_hostile_names(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    for k in range(10):
        await add_subscription(app.runtime, 6100 + k, timedelta(days=20 + k), plan_id=plan.id)
    await add_subscription(
        app.runtime, 6200, timedelta(days=2), plan_id=plan.id, first_name=HOSTILE
    )
    await add_subscription(app.runtime, 6300, timedelta(days=-3), plan_id=plan.id, status="expired")

    await _open(app, owner)
    await app.press(owner, label="Miembros")
    pages = ("Miembros · activas (11)", "Página 1 de 2")
    app.shows(owner, *pages, buttons=("Vencen en 7 días (1)", "Concluidas (1)"))
    assert shows_hostile_name(app.screen(owner))  # soonest end first, escaped
    with statements(app.runtime) as seen:
        await app.press(owner, label="Siguiente")
    assert "Página 2 de 2" in app.text(owner)
    assert len([s for s in seen if "FROM subscriptions" in s]) <= 3  # counts + one page

    await app.press(owner, cb(S.SUBS, A.LIST, arg="expiring"))
    assert "Miembros · vencen en 7 días (1)" in app.text(owner)
    assert shows_hostile_name(app.screen(owner))
    await app.press(owner, cb(S.SUBS, A.LIST, arg="expired"))
    assert "Miembros · concluidas (1)" in app.text(owner)


async def test_subscriber_detail_and_preset_extension(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime, "Mensual")
    sub_id = await add_subscription(
        app.runtime, 6001, timedelta(days=5), plan_id=plan.id, first_name=HOSTILE
    )
    before = (await _sub(app, sub_id)).ends_at
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.LIST, arg="active"))
    await app.press(owner, label="Ana")  # the hostile name's button
    message = app.screen(owner)
    assert shows_hostile_name(message) and "Mensual" in message["text"]
    assert "quedan 5 días" in message["text"] or "quedan 4 días" in message["text"]
    await app.press(owner, label="+30 días")

    after = (await _sub(app, sub_id)).ends_at
    assert after - before == timedelta(days=30)  # from the current end, not from today
    assert "suma 30 días" in app.text(owner)
    (entry,) = await audit_of(app.runtime, "subscription.extended")
    assert entry.actor_id == owner.id and entry.after and entry.after["days"] == 30
    told = app.double.last_message(6001)  # the member hears of the new end date
    assert told is not None and "30 días" in told["text"] and shows_hostile_name(told)


async def test_extension_holds_when_the_member_blocked_the_bot(app: Harness, owner: TgUser) -> None:
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=5))
    before = (await _sub(app, sub_id)).ends_at
    app.double.block_bot(6001)
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.EXTEND, id=sub_id, arg="30"))
    assert (await _sub(app, sub_id)).ends_at - before == timedelta(days=30)
    assert "suma 30 días" in app.text(owner)
    async with app.runtime.sessions() as session:
        assert await session.scalar(select(User.unreachable).where(User.id == 6001))


async def test_extension_wizard(app: Harness, owner: TgUser) -> None:
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=5))
    before = (await _sub(app, sub_id)).ends_at
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.EXTEND_ASK, id=sub_id))
    assert "¿Cuántos días añado" in app.text(owner)
    assert "entre 1 y 3650" in await app.say(owner, "diez")
    assert "entre 1 y 3650" in await app.say(owner, "99999")
    assert (await _sub(app, sub_id)).ends_at == before
    await app.say(owner, "10")
    assert (await _sub(app, sub_id)).ends_at - before == timedelta(days=10)
    await app.say(owner, "10")  # finished: not applied twice
    assert (await _sub(app, sub_id)).ends_at - before == timedelta(days=10)


async def test_extending_a_concluded_membership_reopens_it(app: Harness, owner: TgUser) -> None:
    sub_id = await add_subscription(
        app.runtime,
        6001,
        timedelta(days=-4),
        status="expired",
        removed_at=utcnow() - timedelta(days=4),
    )
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.EXTEND, id=sub_id, arg="7"))
    sub = await _sub(app, sub_id)
    assert sub.status == "active" and sub.removed_at is None
    assert abs(sub.ends_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    assert sub.ritual_stage == 3  # /start hands them a personal link again


async def test_remove_a_member(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    member = TgUser(id=6001, first_name="Bruno")
    sub_id = await add_subscription(app.runtime, member.id, timedelta(days=12), plan_id=plan.id)
    app.double.set_member(VIP, member)
    link = await add_personal_link(app.runtime, member.id, sub_id)
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.VIEW, id=sub_id))
    await app.press(owner, label="Retirar del círculo")
    assert "¿Retiro a Bruno" in app.text(owner)
    assert calls(app.double, "banChatMember") == []
    await app.press(owner, label="Sí, retirar")

    app.shows(owner, "ya no forma parte del círculo", "Ha salido del Diván")
    assert len(calls(app.double, "banChatMember", chat_id=VIP, user_id=member.id)) == 1
    unban = calls(app.double, "unbanChatMember", chat_id=VIP, user_id=member.id)
    assert len(unban) == 1 and unban[0].params.get("only_if_banned") in (True, "true")
    assert not app.double.is_participant(VIP, member.id)
    assert calls(app.double, "revokeChatInviteLink", invite_link=link)
    sub = await _sub(app, sub_id)
    assert sub.status == "expired" and sub.removed_at is not None
    assert sub.ends_at <= utcnow()
    (entry,) = await audit_of(app.runtime, "subscription.removed")
    assert entry.actor_id == owner.id
    farewell = [c for c in app.double.calls_to("sendMessage") if c.params["chat_id"] == member.id]
    assert len(farewell) == 1  # the usual farewell

    await app.press(owner, cb(S.SUBS, A.REMOVE_OK, id=sub_id))  # a second tap
    assert len(calls(app.double, "banChatMember")) == 1
    assert len(await audit_of(app.runtime, "subscription.removed")) == 1


async def test_removal_failure_is_left_to_the_cron(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=12))
    app.double.fail("banChatMember", 400, "Bad Request: something odd")
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.REMOVE_OK, id=sub_id))
    assert "Lo reintentaré en cada ronda" in app.text(owner)
    sub = await _sub(app, sub_id)
    assert sub.status == "active" and sub.ends_at <= utcnow()  # the cron removes it later
    assert sub.removal_attempts == 1 and sub.removal_next_at is not None
    assert sub.claimed_until is None


async def test_removal_without_a_vip_channel_promises_no_retry(app: Harness, owner: TgUser) -> None:
    from lucien.access.config import update_config

    await configure(app.runtime, app.double)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=None)
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=12))
    await _open(app, owner)
    await app.press(owner, cb(S.SUBS, A.REMOVE_OK, id=sub_id))

    text = app.shows(owner, "No hay ningún Diván calibrado", "no lo intentaré más adelante")
    assert "reintentaré" not in text
    sub = await _sub(app, sub_id)
    assert sub.status == "expired" and sub.claimed_until is None  # nothing left to retry
    assert calls(app.double, "banChatMember") == []


# -- plans --------------------------------------------------------------------------------


async def test_plan_create_wizard(app: Harness, owner: TgUser) -> None:
    await make_plan(app.runtime, "Mensual")
    await _open(app, owner)
    await app.press(owner, label="Planes")
    await app.press(owner, label="Nuevo plan")
    assert "Paso 1 de 5" in app.text(owner)
    assert "como máximo 64 caracteres, y el suyo tiene 65" in await app.say(owner, "x" * 65)
    assert "Ya existe uno llamado Mensual" in await app.say(owner, "Mensual")
    assert "Paso 2 de 5" in await app.say(owner, HOSTILE)
    assert "entre 1 y 3650" in await app.say(owner, "0")
    assert "Paso 3 de 5" in await app.say(owner, "90")
    assert "entre 0 y 1000000" in await app.say(owner, "mucho")
    await app.say(owner, "49,90")
    assert "tres letras" in await app.say(owner, "dólares")
    await app.say(owner, "mxn")
    assert "Paso 5 de 5" in app.text(owner) and "estrellas" in app.text(owner)
    assert "entre 0 y 10000" in await app.say(owner, "10001")
    await app.say(owner, "0")  # sold only by invitation
    assert "¿Creo este plan?" in app.text(owner) and shows_hostile_name(app.screen(owner))
    assert "solo con invitación" in app.text(owner)
    await app.press(owner, label="Crear")

    created = (await rows(app.runtime, select(Plan).where(Plan.name == HOSTILE)))[0]
    assert (created.days, created.price, created.currency) == (90, Decimal("49.90"), "MXN")
    assert created.price_stars is None
    assert shows_hostile_name(app.screen(owner)) and "creado" in app.text(owner)
    mine = [e for e in await audit_of(app.runtime, "plan.created") if e.actor_id == owner.id]
    assert len(mine) == 1 and mine[0].after and mine[0].after["name"] == HOSTILE
    await app.press(owner, cb(S.PLANS, A.SAVE))  # a stale "Crear" creates nothing more
    assert await count(app.runtime, Plan) == 2


async def test_plan_edit_toggle_and_delete_are_audited(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime, "Mensual", 30)
    await _open(app, owner)
    await app.press(owner, cb(S.PLANS, A.VIEW, id=plan.id))
    await app.press(owner, label="Precio")
    assert "Valor actual: 19,99" in app.text(owner)
    assert "entre 0 y 1000000" in await app.say(owner, "-3")
    assert "actualizado" in await app.say(owner, "24.50")
    (edited,) = await audit_of(app.runtime, "plan.edited")
    assert edited.actor_id == owner.id
    assert edited.before and edited.before["price"] == "19.99"
    assert edited.after and edited.after["price"] == "24.50"

    await app.press(owner, cb(S.PLANS, A.EDIT, id=plan.id, arg="name"))
    await app.say(owner, "Mensual plus")
    assert (await rows(app.runtime, select(Plan.name)))[0] == "Mensual plus"
    assert len(await audit_of(app.runtime, "plan.edited")) == 2

    await app.press(owner, cb(S.PLANS, A.VIEW, id=plan.id))
    await app.press(owner, label="Desactivar")
    assert "desactivado" in (app.answer()["text"] or "")
    assert (await rows(app.runtime, select(Plan.active)))[0] is False
    assert await audit_of(app.runtime, "plan.deactivated")
    await app.press(owner, label="Activar")
    assert (await rows(app.runtime, select(Plan.active)))[0] is True

    await app.press(owner, label="Eliminar")
    assert "¿Elimino el plan" in app.text(owner)
    await app.press(owner, label="Sí, eliminar")
    assert "ha sido eliminado" in app.text(owner)
    assert await count(app.runtime, Plan) == 0
    (deleted,) = await audit_of(app.runtime, "plan.deleted")
    assert deleted.actor_id == owner.id and deleted.before
    assert deleted.before["name"] == "Mensual plus"


async def test_a_plan_in_use_cannot_be_deleted(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    await make_invitation(app.runtime, plan.id)
    await _open(app, owner)
    await app.press(owner, cb(S.PLANS, A.VIEW, id=plan.id))
    assert not any("Eliminar" in n for n in app.labels(app.screen(owner)))
    await app.press(owner, cb(S.PLANS, A.DELETE_OK, id=plan.id))  # forged anyway
    assert "no puedo eliminarlo" in (app.answer()["text"] or "")
    assert await count(app.runtime, Plan) == 1


async def test_plan_list_pages(app: Harness, owner: TgUser) -> None:
    for k in range(10):
        await make_plan(app.runtime, f"Plan {k:02d}", 10 + k)
    await _open(app, owner)
    await app.press(owner, label="Planes")
    assert "Planes (10)" in app.text(owner) and "Página 1 de 2" in app.text(owner)
    await app.press(owner, label="Siguiente")
    text = app.text(owner)
    assert "Página 2 de 2" in text and "Plan 09" in text and "Plan 00" not in text


async def test_wizard_survives_across_requests_and_steps(app: Harness, owner: TgUser) -> None:
    """Each step is its own webhook request; the FSM lives in the configured storage."""
    await _open(app, owner)
    await app.press(owner, cb(S.PLANS, A.NEW))
    for answer in ("Semanal", "7", "5", "USD", "0"):
        await app.say(owner, answer)
    await app.press(owner, cb(S.PLANS, A.SAVE))
    created = (await rows(app.runtime, select(Plan)))[0]
    assert (created.name, created.days, created.price) == ("Semanal", 7, Decimal("5.00"))


# -- refusals -------------------------------------------------------------------------------


async def test_forged_vip_callbacks_from_a_visitor_change_nothing(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    invitation = await make_invitation(app.runtime, plan.id)
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=10), plan_id=plan.id)
    await app.send(app.updates.command(ana, "start"))
    before = await snapshot(app.runtime)
    app.double.clear_calls()
    forged = [
        cb(S.VIP),
        cb(S.VIP, A.CANCEL),
        cb(S.TOKENS, A.LIST, arg="unused"),
        IssueCB(plan=plan.id, quantity=50, days=7).pack(),
        cb(S.TOKENS, A.REVOKE_OK, id=invitation.id),
        cb(S.SUBS, A.VIEW, id=sub_id),
        cb(S.SUBS, A.EXTEND, id=sub_id, arg="90"),
        cb(S.SUBS, A.REMOVE_OK, id=sub_id),
        cb(S.PLANS, A.LIST),
        cb(S.PLANS, A.TOGGLE, id=plan.id, arg="off"),
        cb(S.PLANS, A.DELETE_OK, id=plan.id),
        cb(S.PLANS, A.SAVE),
    ]
    for data in forged:
        await app.press(ana, data)
        assert "reservada a los custodios" in (app.answer()["text"] or ""), data
    assert await snapshot(app.runtime) == before
    assert {c.method for c in app.double.calls} == {"answerCallbackQuery"}
    # Nor can a visitor type into an admin wizard.
    await app.say(ana, "50")
    assert await snapshot(app.runtime) == before


async def test_unknown_admin_actions_are_stale(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime)
    await _open(app, owner)
    before = await snapshot(app.runtime)
    for data in (
        cb(S.TOKENS, "zzz"),
        cb(S.SUBS, A.EXTEND, id=999),
        cb(S.PLANS, A.EDIT, id=plan.id, arg="active"),
        f"i:{plan.id}:51:7",  # out of bounds: does not unpack
    ):
        await app.press(owner, data)
        assert app.answer()["text"] or ""  # a polite notice, never silence or an exception
    assert await snapshot(app.runtime) == before
