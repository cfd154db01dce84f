"""Admin panel › catalogue, through the webhook: list, create wizard, edits, (de)activation."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from lucien.callbacks import AdminAction, AdminCB, AdminSection
from lucien.db.models import AuditEntry, Package
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, all_rows, button, count, shows_hostile_name
from tests.conftest import Harness
from tests.factories import make_package

S = AdminSection.CONTENT


def content(action: str, **kwargs: object) -> str:
    return AdminCB(section=S, action=action, **kwargs).pack()  # type: ignore[arg-type]


async def open_catalogue(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, label="Catálogo")


async def packages(app: Harness) -> list[Package]:
    return await all_rows(app.runtime, Package)


async def audits(app: Harness, action: str) -> list[AuditEntry]:
    return await all_rows(app.runtime, AuditEntry, AuditEntry.action == action)


async def test_catalogue_lists_packages_with_a_button_each(app: Harness, owner: TgUser) -> None:
    await make_package(app.runtime, "Postales")
    await make_package(app.runtime, "Cartas", "VIP_CONTENT", price="15")
    await make_package(app.runtime, "Retirado", "VIP_PREMIUM", active=False)
    await open_catalogue(app, owner)
    message = app.double.last_message(owner.id)
    assert message is not None and "Catálogo" in message["text"] and "(3)" in message["text"]
    for name in ("Postales", "Cartas", "Retirado"):
        assert any(name in x for x in app.labels(message))
    assert "inactivo" in message["text"]
    await app.press(owner, label="Premium")
    filtered = app.text(owner)
    assert "Retirado" in filtered and "Postales" not in filtered


async def test_catalogue_is_paginated(app: Harness, owner: TgUser) -> None:
    for n in range(10):
        await make_package(app.runtime, f"Paquete {n:02d}")
    await open_catalogue(app, owner)
    first = {x for x in app.labels(app.double.last_message(owner.id)) if "Paquete" in x}
    assert len(first) == 8
    await app.press(owner, label="Siguiente")
    second = {x for x in app.labels(app.double.last_message(owner.id)) if "Paquete" in x}
    assert len(second) == 2 and not first & second


async def test_create_wizard_across_requests(app: Harness, owner: TgUser) -> None:
    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    assert "Paso 1 de 4" in app.text(owner)
    # Every step is its own webhook request: the state lives in the configured storage.
    assert "Paso 2 de 4" in await app.say(owner, "  Cartas desde el Diván  ")
    assert "Paso 3 de 4" in await app.say(owner, "Notas de voz que Diana solo comparte aquí.")
    assert "Paso 4 de 4" in await app.say(owner, "19,99")
    await app.press(owner, label="Diván · contenido del círculo")
    app.shows(owner, "Cartas desde el Diván", "19,99 USD")
    assert await packages(app) == []
    await app.press(owner, label="Añadir")
    [package] = await packages(app)
    assert (package.name, package.price, package.category, package.active) == (
        "Cartas desde el Diván",
        Decimal("19.99"),
        "VIP_CONTENT",
        True,
    )
    assert package.description == "Notas de voz que Diana solo comparte aquí."
    [entry] = await audits(app, "package.create")
    assert entry.actor_id == owner.id and entry.target_id == str(package.id)
    assert entry.after and entry.after["name"] == "Cartas desde el Diván"
    assert any("Ver" in x for x in app.labels(app.double.last_message(owner.id)))
    # The wizard is over: text is no longer taken as an answer.
    await app.say(owner, "otra cosa")
    assert len(await packages(app)) == 1


async def test_wizard_validation_keeps_the_step(app: Harness, owner: TgUser) -> None:
    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    refused = await app.say(owner, "N" * 101)
    assert "100" in refused and "101" in refused
    assert "al menos" in await app.say(owner, "   ")
    await app.send(app.updates.photo_message(owner, "photo-1", caption="una foto"))
    assert "texto" in app.text(owner)
    await app.say(owner, "/postales")  # a command is never taken for the name
    assert "Paso 2 de 4" in await app.say(owner, "N" * 100)

    refused = await app.say(owner, "D" * 1001)
    assert "1000" in refused and "1001" in refused
    assert "Paso 3 de 4" in await app.say(owner, "D" * 1000)

    for bad in ("abc", "-3", "1000001", "12.345"):
        refused = await app.say(owner, bad)
        assert "1000000" in refused and "gratuito" in refused, bad
    assert "Paso 4 de 4" in await app.say(owner, "gratuito")
    assert "Dónde se muestra" in await app.say(owner, "algo")  # category: buttons again
    assert "Jardín" in await app.say(owner, "free_content")
    await app.press(owner, label="Añadir")
    [package] = await packages(app)
    assert package.price is None and package.category == "FREE_CONTENT"
    assert package.name == "N" * 100 and len(package.description) == 1000


async def test_free_button_and_category_buttons_in_the_wizard(app: Harness, owner: TgUser) -> None:
    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    await app.say(owner, "Postales")
    await app.say(owner, "Fotos al amanecer.")
    await app.press(owner, label="Gratuito")
    assert "Dónde se muestra" in app.text(owner)
    await app.press(owner, label="selección premium")
    assert "gratuito" in app.text(owner)
    await app.press(owner, label="Añadir")
    [package] = await packages(app)
    assert package.price is None and package.category == "VIP_PREMIUM"


async def test_cancel_command_and_button_leave_the_wizard(app: Harness, owner: TgUser) -> None:
    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    await app.say(owner, "Postales")
    await app.send(app.updates.command(owner, "cancel"))
    assert "cancel" in app.text(owner).lower() or "dejamos" in app.text(owner)
    await app.say(owner, "Fotos al amanecer.")  # no longer a description
    await app.send(app.updates.command(owner, "cancel"))
    assert "No había nada en curso" in app.text(owner)

    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    await app.say(owner, "Postales")
    await app.press(owner, label="Cancelar")
    assert "Catálogo" in app.text(owner)
    await app.say(owner, "Fotos al amanecer.")
    await app.send(app.updates.command(owner, "cancel"))
    assert "No había nada en curso" in app.text(owner)
    assert await packages(app) == []


async def test_a_double_tap_on_add_creates_one_package(app: Harness, owner: TgUser) -> None:
    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    await app.say(owner, "Postales")
    await app.say(owner, "Fotos al amanecer.")
    await app.say(owner, "5")
    await app.press(owner, label="Jardín · contenido libre")
    data = button(app.double.last_message(owner.id), "Añadir")["callback_data"]
    app.double.clear_calls()
    taps = [app.updates.callback(owner, data) for _ in range(3)]
    await asyncio.gather(*(app.send(t) for t in taps))
    assert len(await packages(app)) == 1
    assert len(await audits(app, "package.create")) == 1
    assert len(app.double.callback_answers) == 3


async def test_edit_each_field(app: Harness, owner: TgUser) -> None:
    package = await make_package(app.runtime, "Postales", price="5")
    await app.send(app.updates.command(owner, "admin"))
    await app.send(app.updates.callback(owner, content(AdminAction.VIEW, id=package.id)))
    assert "Postales" in app.text(owner)

    await app.press(owner, label="Nombre")
    assert "Postales" in app.text(owner)  # the current value
    assert "100" in await app.say(owner, "X" * 101)  # refused, still waiting
    assert "nombre" in await app.say(owner, "Postales del jardín")
    await app.press(owner, label="Ver")
    await app.press(owner, label="Descripción")
    await app.say(owner, "Nuevas fotos.")
    await app.press(owner, label="Ver")
    await app.press(owner, label="Precio")
    assert "1000000" in await app.say(owner, "caro")
    await app.say(owner, "7.5")
    await app.press(owner, label="Ver")
    await app.press(owner, label="Categoría")
    await app.press(owner, label="Diván · contenido del círculo")

    [stored] = await packages(app)
    assert (stored.name, stored.description, stored.price, stored.category) == (
        "Postales del jardín",
        "Nuevas fotos.",
        Decimal("7.50"),
        "VIP_CONTENT",
    )
    edits = await audits(app, "package.edit")
    assert [e.before for e in edits] == [
        {"name": "Postales"},
        {"description": "Algo que Diana preparó."},
        {"price": "5.00"},
        {"category": "FREE_CONTENT"},
    ]
    assert edits[0].after == {"name": "Postales del jardín"} and edits[0].actor_id == owner.id

    await app.press(owner, label="Ver")
    await app.press(owner, label="Precio")
    await app.press(owner, label="Gratuito")
    [stored] = await packages(app)
    assert stored.price is None
    await app.say(owner, "9")  # the edit is over: nothing changes
    [stored] = await packages(app)
    assert stored.price is None


async def test_deactivate_and_reactivate_with_confirmation(
    app: Harness, owner: TgUser, ana: TgUser
) -> None:
    package = await make_package(app.runtime, "Postales")
    await app.send(app.updates.command(owner, "admin"))
    await app.send(app.updates.callback(owner, content(AdminAction.VIEW, id=package.id)))
    await app.press(owner, label="Desactivar")
    assert "Desactivo" in app.text(owner)
    assert (await packages(app))[0].active is True  # only asked so far

    data = button(app.double.last_message(owner.id), "Sí, desactivar")["callback_data"]
    await asyncio.gather(*(app.send(app.updates.callback(owner, data)) for _ in range(2)))
    assert (await packages(app))[0].active is False
    assert len(await audits(app, "package.deactivate")) == 1
    assert "Desactivado" in " ".join(a["text"] or "" for a in app.double.callback_answers)

    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Contenido del jardín")
    assert "Postales" not in app.text(ana)

    await app.send(app.updates.callback(owner, content(AdminAction.VIEW, id=package.id)))
    await app.press(owner, label="Reactivar")
    await app.press(owner, label="No")  # changed their mind
    assert (await packages(app))[0].active is False
    await app.press(owner, label="Reactivar")
    await app.press(owner, label="Sí, reactivar")
    assert (await packages(app))[0].active is True
    [entry] = await audits(app, "package.reactivate")
    assert entry.before == {"active": False} and entry.after == {"active": True}


async def test_hostile_names_in_the_catalogue(app: Harness, owner: TgUser) -> None:
    await open_catalogue(app, owner)
    await app.press(owner, label="Nuevo contenido")
    await app.say(owner, HOSTILE)
    await app.say(owner, HOSTILE)
    await app.say(owner, "gratis")
    await app.press(owner, label="Jardín · contenido libre")
    assert shows_hostile_name(app.double.last_message(owner.id))
    await app.press(owner, label="Añadir")
    assert shows_hostile_name(app.double.last_message(owner.id))
    [package] = await packages(app)
    assert package.name == HOSTILE
    await app.send(app.updates.callback(owner, content(AdminAction.LIST, arg="all")))
    assert shows_hostile_name(app.double.last_message(owner.id))
    await app.send(app.updates.callback(owner, content(AdminAction.VIEW, id=package.id)))
    assert shows_hostile_name(app.double.last_message(owner.id))


async def test_a_visitor_cannot_use_the_catalogue(app: Harness, ana: TgUser) -> None:
    package = await make_package(app.runtime, "Postales")
    audited = await count(app.runtime, AuditEntry)
    await app.send(app.updates.command(ana, "start"))
    for data in (
        content(AdminAction.OPEN),
        content(AdminAction.NEW),
        content(AdminAction.EDIT, id=package.id, arg="name"),
        content(AdminAction.SET_FREE, id=package.id),
        content(AdminAction.SET_CATEGORY, id=package.id, arg="VIP_PREMIUM"),
        content(AdminAction.TOGGLE_OK, id=package.id, arg="off"),
        content(AdminAction.SAVE),
    ):
        await app.send(app.updates.callback(ana, data))
        assert "custodios" in (app.answer()["text"] or "")
    await app.say(ana, "Nombre nuevo")
    [stored] = await packages(app)
    assert (stored.name, stored.active, stored.category) == ("Postales", True, "FREE_CONTENT")
    assert await count(app.runtime, AuditEntry) == audited


async def test_stale_wizard_buttons_are_refused(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    for data in (
        content(AdminAction.SAVE),
        content(AdminAction.SET_FREE, id=0),
        content(AdminAction.SET_CATEGORY, id=0, arg="VIP_CONTENT"),
        content(AdminAction.TOGGLE_OK, id=1, arg="sideways"),
        content(AdminAction.EDIT, id=1, arg="colour"),
    ):
        await app.send(app.updates.callback(owner, data))
        assert "ya no está disponible" in (app.answer()["text"] or "")
    await app.send(app.updates.callback(owner, content(AdminAction.VIEW, id=424242)))
    assert "ya no figura" in (app.answer()["text"] or "")
    assert await packages(app) == []
