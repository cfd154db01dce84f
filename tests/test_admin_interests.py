"""Admin panel › interests, through the webhook: filters, counts, detail, mark attended."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from lucien.callbacks import AdminAction, AdminCB, AdminSection, FreeAction, FreeCB
from lucien.db.models import AuditEntry, Interest, utcnow
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, all_rows, button, count, shows_hostile_name
from tests.conftest import ADMIN_ID, OWNER_ID, Harness
from tests.factories import BRUNO, make_package, make_vip

S = AdminSection.INTERESTS
CARLA = TgUser(id=ADMIN_ID, first_name="Carla")


def section(action: str, **kwargs: object) -> str:
    return AdminCB(section=S, action=action, **kwargs).pack()  # type: ignore[arg-type]


async def want(app: Harness, who: TgUser, package_id: int | None) -> None:
    if package_id is None:
        data = FreeCB(action=FreeAction.CIRCLE_INTEREST).pack()
    else:
        data = FreeCB(action=FreeAction.INTEREST, id=package_id).pack()
    await app.send(app.updates.callback(who, data))


async def seed(app: Harness) -> dict[str, int]:
    """Ana wants a free package and the circle; Bruno (VIP) a premium one."""
    free = await make_package(app.runtime, "Postales")
    premium = await make_package(app.runtime, "Sesión privada", "VIP_PREMIUM", price="99")
    ana = TgUser(id=5001, first_name="Ana")
    await app.send(app.updates.command(ana, "start"))
    await want(app, ana, free.id)
    await want(app, ana, None)
    await make_vip(app.runtime, BRUNO)
    await app.send(app.updates.command(BRUNO, "start"))
    from lucien.callbacks import VipAction, VipCB

    await app.send(
        app.updates.callback(BRUNO, VipCB(action=VipAction.INTEREST, id=premium.id).pack())
    )
    assert await count(app.runtime, Interest) == 3
    return {"free": free.id, "premium": premium.id}


async def test_list_filters_and_counts(app: Harness, owner: TgUser) -> None:
    await seed(app)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, label="Intereses")
    message = app.double.last_message(owner.id)
    assert message is not None and "pendientes" in message["text"] and "(3)" in message["text"]
    found = app.labels(message)
    assert "· Pendientes (3)" in found and "Atendidos (0)" in found
    assert "Jardín (1)" in found and "Premium (1)" in found and "Círculo (1)" in found
    assert "Diván (0)" in found

    await app.press(owner, label="Premium (1)")
    text = app.text(owner)
    assert "Sesión privada" in text and "Postales" not in text and "Bruno" in text
    await app.press(owner, label="Círculo (1)")
    text = app.text(owner)
    assert "Círculo" in text and "Ana" in text and "Sesión privada" not in text
    await app.press(owner, label="Atendidos (0)")
    assert "Ningún interés" in app.text(owner)


async def test_detail_and_mark_attended_from_the_list(app: Harness, owner: TgUser) -> None:
    await seed(app)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, label="Intereses")
    await app.press(owner, label="Sesión privada")
    app.shows(owner, "Bruno", "miembro del círculo", "Pendiente")
    await app.press(owner, label="Marcar como atendido")
    assert "atendido" in (app.answer()["text"] or "")
    app.shows(owner, "Atendido el", "Diana")
    assert not any("Marcar" in x for x in app.labels(app.double.last_message(owner.id)))

    [done] = await all_rows(app.runtime, Interest, Interest.attended_at.is_not(None))
    assert done.attended_by == owner.id
    [entry] = await all_rows(app.runtime, AuditEntry, AuditEntry.action == "interest.attend")
    assert entry.actor_id == owner.id and entry.target_id == str(done.id)

    await app.press(owner, label="Volver")
    found = app.labels(app.double.last_message(owner.id))
    assert "Atendidos (1)" in found and "· Pendientes (2)" in found


async def test_mark_attended_from_the_notification_first_custodian_wins(
    app: Harness, owner: TgUser
) -> None:
    package = await make_package(app.runtime, "Postales")
    ana = TgUser(id=5001, first_name="Ana")
    await app.send(app.updates.command(owner, "start"))  # the custodians exist as users
    await app.send(app.updates.command(CARLA, "start"))
    await app.send(app.updates.command(ana, "start"))
    await want(app, ana, package.id)

    owner_data = button(app.double.last_message(OWNER_ID), "Marcar como atendido")["callback_data"]
    carla_data = button(app.double.last_message(ADMIN_ID), "Marcar como atendido")["callback_data"]
    assert owner_data == carla_data
    app.double.clear_calls()
    await asyncio.gather(
        app.send(app.updates.callback(owner, owner_data)),
        app.send(app.updates.callback(CARLA, carla_data)),
    )
    answers = sorted(a["text"] or "" for a in app.double.callback_answers)
    assert len(answers) == 2
    assert sum("Ya fue atendido" in a for a in answers) == 1
    assert sum("Marcado como atendido" in a for a in answers) == 1
    assert len(await all_rows(app.runtime, AuditEntry, AuditEntry.action == "interest.attend")) == 1
    # Both notifications were turned into the detail, in place.
    assert "Atendido el" in app.text(owner) and "Atendido el" in app.text(CARLA)

    await app.send(app.updates.callback(CARLA, carla_data))
    late = app.answer()["text"] or ""
    [done] = await all_rows(app.runtime, Interest)
    winner = "Diana" if done.attended_by == OWNER_ID else "Carla"
    assert "Ya fue atendido" in late and winner in late


async def test_interests_are_paginated_newest_first(app: Harness, owner: TgUser) -> None:
    ana = TgUser(id=5001, first_name="Ana")
    await app.send(app.updates.command(ana, "start"))
    for n in range(10):
        package = await make_package(app.runtime, f"Paquete {n:02d}")
        await want(app, ana, package.id)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, label="Intereses")
    first = app.text(owner)
    assert "Página 1 de 2" in first and "Paquete 09" in first and "Paquete 00" not in first
    await app.press(owner, label="Siguiente")
    second = app.text(owner)
    assert "Paquete 00" in second and "Paquete 01" in second and "Paquete 09" not in second


async def test_hostile_names_in_the_interest_screens(app: Harness, owner: TgUser) -> None:
    hostile = TgUser(id=5003, first_name=HOSTILE)
    package = await make_package(app.runtime, HOSTILE)
    await app.send(app.updates.command(hostile, "start"))
    await want(app, hostile, package.id)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, label="Intereses")
    assert shows_hostile_name(app.double.last_message(owner.id))
    [interest] = await all_rows(app.runtime, Interest)
    await app.send(app.updates.callback(owner, section(AdminAction.VIEW, id=interest.id)))
    assert shows_hostile_name(app.double.last_message(owner.id))


async def test_unknown_interest_and_visitors_are_refused(
    app: Harness, owner: TgUser, ana: TgUser
) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.send(app.updates.callback(owner, section(AdminAction.VIEW, id=999)))
    assert "ya no figura" in (app.answer()["text"] or "")
    await app.send(app.updates.callback(owner, section(AdminAction.ATTEND, id=999)))
    assert "ya no figura" in (app.answer()["text"] or "")

    ids = await seed(app)
    [pending] = await all_rows(app.runtime, Interest, Interest.package_id == ids["free"])
    for data in (
        section(AdminAction.OPEN),
        section(AdminAction.LIST, arg="attended"),
        section(AdminAction.VIEW, id=pending.id),
        section(AdminAction.ATTEND, id=pending.id),
    ):
        await app.send(app.updates.callback(ana, data))
        assert "custodios" in (app.answer()["text"] or "")
    assert await count(app.runtime, Interest, Interest.attended_at.is_not(None)) == 0
    assert "Postales" not in " ".join(app.texts_to(ana.id)[-1:])


async def test_an_unknown_filter_falls_back_to_pending(app: Harness, owner: TgUser) -> None:
    await seed(app)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(Interest).values(created_at=utcnow() - timedelta(days=1)))
    await app.send(app.updates.command(owner, "admin"))
    await app.send(app.updates.callback(owner, section(AdminAction.LIST, arg="bogus", page=7)))
    assert "pendientes" in app.text(owner) and "(3)" in app.text(owner)
