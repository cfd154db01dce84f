"""/start, /menu, /help, /cancel, /admin and every member screen, through the webhook."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from lucien.access.config import update_config
from lucien.callbacks import FreeAction, FreeCB, HomeCB, VipAction, VipCB
from lucien.db.models import utcnow
from lucien.telegram.double import TgUser
from lucien.voice.dates import long_date
from tests.access_support import HOSTILE, button, shows_hostile_name
from tests.conftest import ADMIN_ID, Harness
from tests.factories import BRUNO, make_package, make_plan, make_vip

# -- /start and /menu by role -------------------------------------------------------------


async def test_start_as_free_shows_the_free_menu(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "start"))
    message = app.double.last_message(ana.id)
    assert message is not None and "Ana" in message["text"]
    assert "Soy Lucien" in message["text"]  # the first visit introduces him
    found = app.labels(message)
    assert any("Contenido del jardín" in x for x in found)
    assert any("círculo de Diana" in x for x in found)
    assert not any("redes" in x for x in found)  # nothing configured: no placeholder

    await app.send(app.updates.command(ana, "menu"))
    again = app.double.last_message(ana.id)
    assert again is not None and again["message_id"] != message["message_id"]
    assert "Soy Lucien" not in again["text"]
    assert any("Contenido del jardín" in x for x in app.labels(again))


async def test_start_as_vip_shows_name_end_date_and_days_left(app: Harness) -> None:
    sub = await make_vip(app.runtime, BRUNO, days=12)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, timezone="Europe/Madrid")
    await app.send(app.updates.command(BRUNO, "start"))
    ends = long_date(sub.ends_at, ZoneInfo("Europe/Madrid"))
    menu = ("Contenido del Diván", "Mi membresía", "Cómo renovar")
    app.shows(BRUNO, "Bruno", ends, "12", "días", buttons=menu)


async def test_start_and_admin_as_admin_show_the_admin_home(app: Harness, owner: TgUser) -> None:
    for command in ("start", "admin", "menu"):
        await app.send(app.updates.command(owner, command))
        found = app.labels(app.double.last_message(owner.id))
        assert any("Catálogo" in x for x in found) and any("Intereses" in x for x in found)


async def test_admin_command_refuses_a_visitor_politely(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "admin"))
    app.shows(ana, "custodios")
    assert not any("Catálogo" in x for x in app.labels(app.double.last_message(ana.id)))


async def test_help_depends_on_the_role(app: Harness, ana: TgUser, owner: TgUser) -> None:
    await make_vip(app.runtime, BRUNO)
    await app.send(app.updates.command(ana, "help"))
    assert "jardín" in app.text(ana) and "/admin" not in app.text(ana)
    await app.send(app.updates.command(BRUNO, "help"))
    assert "Diván" in app.text(BRUNO)
    await app.send(app.updates.command(owner, "help"))
    assert "/admin" in app.text(owner)


async def test_cancel_without_anything_in_progress(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "cancel"))
    assert "No había nada en curso" in app.text(ana)


async def test_home_button_edits_in_place_with_the_current_role(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "help"))
    help_id = app.double.last_message(ana.id)["message_id"]  # type: ignore[index]
    await make_vip(app.runtime, ana)  # became a member meanwhile
    await app.send(app.updates.callback(ana, HomeCB().pack()))
    message = app.double.last_message(ana.id)
    assert message is not None and message["message_id"] == help_id
    assert any("Contenido del Diván" in x for x in app.labels(message))
    assert app.double.callback_answers[-1]["text"] is None


# -- Free screens -------------------------------------------------------------------------


async def test_free_content_lists_only_active_free_packages(app: Harness, ana: TgUser) -> None:
    await make_package(app.runtime, "Postales", price=None)
    await make_package(app.runtime, "Oculto", active=False)
    await make_package(app.runtime, "Cartas del Diván", "VIP_CONTENT", price="15")
    await make_package(app.runtime, "Premium secreto", "VIP_PREMIUM", price="99")
    await app.send(app.updates.command(ana, "start"))
    menu_id = app.double.last_message(ana.id)["message_id"]  # type: ignore[index]

    await app.press(ana, label="Contenido del jardín")
    message = app.double.last_message(ana.id)
    assert message is not None and message["message_id"] == menu_id  # edited in place
    assert "Postales" in message["text"] and "gratuito" in message["text"]
    for hidden in ("Oculto", "Cartas del Diván", "Premium secreto"):
        assert hidden not in message["text"]
        assert not any(hidden in x for x in app.labels(message))
    assert any("Volver" in x for x in app.labels(message))


async def test_free_content_is_paginated(app: Harness, ana: TgUser) -> None:
    for n in range(8):
        await make_package(app.runtime, f"Paquete {n}")
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Contenido del jardín")
    first = app.double.last_message(ana.id)
    assert "Página 1 de 2" in first["text"]  # type: ignore[index]
    shown_first = {x for x in app.labels(first) if x.startswith("Paquete")}
    assert len(shown_first) == 6
    await app.press(ana, label="Siguiente")
    second = app.double.last_message(ana.id)
    shown_second = {x for x in app.labels(second) if x.startswith("Paquete")}
    assert len(shown_second) == 2 and not shown_first & shown_second
    assert any("Anterior" in x for x in app.labels(second))


async def test_free_package_detail_and_back(app: Harness, ana: TgUser) -> None:
    await make_package(app.runtime, "Postales", description="Fotos al amanecer.")
    await make_package(app.runtime, "Retrato", price="12.50")
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Contenido del jardín")
    await app.press(ana, label="Retrato")
    app.shows(ana, "Retrato", "12,50 USD", "Jardín")
    assert any("Me interesa" in x for x in app.labels(app.double.last_message(ana.id)))
    await app.press(ana, label="Volver")
    assert "Postales" in app.text(ana)
    await app.press(ana, label="Postales")
    app.shows(ana, "Fotos al amanecer.", "gratuito")
    await app.press(ana, label="Volver")
    await app.press(ana, label="Volver")
    assert any("Contenido del jardín" in x for x in app.labels(app.double.last_message(ana.id)))


async def test_hostile_package_names_are_escaped(app: Harness, ana: TgUser) -> None:
    await make_package(app.runtime, HOSTILE, description=HOSTILE)
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Contenido del jardín")
    assert shows_hostile_name(app.double.last_message(ana.id))
    await app.press(ana, label="Ana & ")
    assert shows_hostile_name(app.double.last_message(ana.id))


async def test_circle_shows_active_plans_and_offers_interest(app: Harness, ana: TgUser) -> None:
    await make_plan(app.runtime, "Mensual", 30)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, creator_username="diana_oficial")
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="círculo de Diana")
    message = app.double.last_message(ana.id)
    assert message is not None and "Diván" in message["text"] and "Mensual" in message["text"]
    assert button(message, "Escribir a Diana")["url"] == "https://t.me/diana_oficial"
    assert any("Me interesa" in x for x in app.labels(message))
    assert any("Volver" in x for x in app.labels(message))


async def test_social_profiles_only_what_is_configured(app: Harness, ana: TgUser) -> None:
    async with app.runtime.sessions.begin() as session:
        await update_config(session, instagram_url="https://instagram.com/diana")
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Diana en redes")
    message = app.double.last_message(ana.id)
    assert button(message, "Instagram")["url"] == "https://instagram.com/diana"
    assert not any("TikTok" in x or x.endswith(" X") for x in app.labels(message))
    assert any("Volver" in x for x in app.labels(message))


async def test_social_screen_without_links_offers_no_placeholder(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "start"))
    await app.send(app.updates.callback(ana, FreeCB(action=FreeAction.SOCIAL).pack()))
    message = app.double.last_message(ana.id)
    assert message is not None
    assert all("url" not in b for b in message["reply_markup"]["inline_keyboard"][0])
    assert app.labels(message) == ["⬅️ Volver"]


# -- VIP screens --------------------------------------------------------------------------


async def test_vip_content_lists_vip_and_premium_only(app: Harness) -> None:
    await make_vip(app.runtime, BRUNO)
    await make_package(app.runtime, "Postales")
    await make_package(app.runtime, "Cartas del Diván", "VIP_CONTENT", price="15")
    await make_package(app.runtime, "Sesión privada", "VIP_PREMIUM", price="120")
    await make_package(app.runtime, "Retirado", "VIP_CONTENT", active=False)
    await app.send(app.updates.command(BRUNO, "start"))
    menu_id = app.double.last_message(BRUNO.id)["message_id"]  # type: ignore[index]
    await app.press(BRUNO, label="Contenido del Diván")
    message = app.double.last_message(BRUNO.id)
    assert message is not None and message["message_id"] == menu_id
    assert "Cartas del Diván" in message["text"] and "Sesión privada" in message["text"]
    assert "Postales" not in message["text"] and "Retirado" not in message["text"]

    await app.press(BRUNO, label="Sesión privada")
    app.shows(BRUNO, "Sesión privada", "120 USD", "premium")
    await app.press(BRUNO, label="Volver")
    assert "Cartas del Diván" in app.text(BRUNO)


async def test_vip_status_and_renewal(app: Harness) -> None:
    sub = await make_vip(app.runtime, BRUNO, days=3, plan_name="Trimestral")
    await app.send(app.updates.command(BRUNO, "start"))
    await app.press(BRUNO, label="Mi membresía")
    app.shows(BRUNO, "Trimestral", long_date(sub.ends_at, ZoneInfo("America/Mexico_City")))
    await app.press(BRUNO, label="Cómo renovar")
    renew = app.double.last_message(BRUNO.id)
    assert renew is not None and "renovar" in renew["text"].lower()
    assert any("Me interesa" in x for x in app.labels(renew))
    await app.press(BRUNO, label="Volver")
    assert any("Contenido del Diván" in x for x in app.labels(app.double.last_message(BRUNO.id)))


async def test_vip_menu_after_the_membership_ended(app: Harness) -> None:
    sub = await make_vip(app.runtime, BRUNO)
    await app.send(app.updates.command(BRUNO, "start"))
    from tests.access_support import set_subscription

    await set_subscription(app.runtime, sub.id, ends_at=utcnow() - timedelta(minutes=1))
    before = app.double.last_message(BRUNO.id)
    await app.send(app.updates.callback(BRUNO, VipCB(action=VipAction.CONTENT).pack()))
    assert app.answer()["text"] and "círculo" in app.answer()["text"]
    assert app.double.last_message(BRUNO.id) == before  # nothing shown, nothing changed


async def test_a_free_button_from_a_member_shows_their_own_menu(app: Harness) -> None:
    await make_vip(app.runtime, BRUNO)
    await app.send(app.updates.command(BRUNO, "start"))
    await app.send(app.updates.callback(BRUNO, FreeCB(action=FreeAction.CONTENT).pack()))
    assert "ya no está disponible" in (app.answer()["text"] or "")
    assert any("Contenido del Diván" in x for x in app.labels(app.double.last_message(BRUNO.id)))


async def test_every_env_admin_is_greeted_as_admin(app: Harness) -> None:
    helper = TgUser(id=ADMIN_ID, first_name="Carla")
    await app.send(app.updates.command(helper, "start"))
    assert any("Catálogo" in x for x in app.labels(app.double.last_message(ADMIN_ID)))
