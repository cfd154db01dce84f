"""Admin panel · calibration, through the webhook: channels and their rights, zone,
reminder offsets, creator username, switches, and audits of each change."""

from __future__ import annotations

from lucien.access.config import get_config, update_config
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import BotConfig
from lucien.telegram.double import TgUser
from tests.access_support import calls
from tests.admin_support import audit_of, button_data, cb, has_button
from tests.conftest import OWNER_ID, Harness
from tests.factories import FREE, VIP, configure

PUBLIC = -1003000000003


async def _config(app: Harness) -> BotConfig:
    async with app.runtime.sessions.begin() as session:
        return await get_config(session)


async def test_menu_checks_the_configured_channels(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    app.double.set_bot_admin(FREE, can_invite_users=False)
    await app.press(owner, cb(S.CONFIG))
    app.shows(
        owner,
        "Diván (canal VIP): El Diván ✅",
        "Vestíbulo (canal Free): El Vestíbulo ⚠️",
        "America/Mexico_City",
        "72 h y 24 h",
    )
    assert calls(app.double, "getChatMember", chat_id=VIP)


async def test_channel_by_forwarded_post_reports_missing_rights(
    app: Harness, owner: TgUser
) -> None:
    app.double.add_chat(VIP, "channel", title="El Diván")
    app.double.set_bot_admin(VIP, can_restrict_members=False, can_post_messages=False)
    await app.press(owner, cb(S.CONFIG, A.CHANNEL, arg="vip"))
    assert "Reenvíeme" in app.text(owner)

    await app.send(app.updates.forwarded_channel_post(owner, VIP, "El Diván"))

    assert (await _config(app)).vip_channel_id == VIP
    report = app.shows(
        owner,
        "queda asociado a El Diván",
        "me faltan estos permisos",
        "restringir y expulsar miembros",
        "publicar mensajes",
    )
    assert "invitar usuarios" not in report
    assert has_button(app.screen(owner), "Revisar de nuevo")
    me = (await app.runtime.bot.me()).id
    assert calls(app.double, "getChatMember", chat_id=VIP, user_id=me)
    (entry,) = await audit_of(app.runtime, "config.update")
    assert entry.actor_id == OWNER_ID and entry.target_id == "vip_channel_id"
    assert entry.before == {"vip_channel_id": None} and entry.after == {"vip_channel_id": VIP}

    # Once the rights are granted, "check again" says all is well.
    app.double.set_bot_admin(VIP)
    await app.press(owner, button_data(app.screen(owner), "Revisar de nuevo"))
    assert "Todo en orden" in app.text(owner)


async def test_channel_by_id_after_bad_input_across_requests(app: Harness, owner: TgUser) -> None:
    app.double.add_chat(FREE, "channel", title="El Vestíbulo")
    app.double.set_bot_admin(FREE)
    app.double.add_chat(-1004000000004, "supergroup", title="Un grupo")
    app.double.set_bot_admin(-1004000000004)
    await app.press(owner, cb(S.CONFIG, A.CHANNEL, arg="free"))

    await app.say(owner, "mi canal")  # not a reference at all
    assert "-100" in app.text(owner) and has_button(app.screen(owner), "Cancelar")
    await app.say(owner, "-1009999999999")  # unknown to Telegram (or hidden from the bot)
    assert "No logro encontrar" in app.text(owner)
    await app.say(owner, "-1004000000004")  # a group, not a channel
    assert "Eso no es un canal" in app.text(owner)
    assert (await _config(app)).free_channel_id is None

    await app.say(owner, str(FREE))  # still on the step, in yet another request
    assert (await _config(app)).free_channel_id == FREE
    app.shows(owner, "Vestíbulo (canal Free): queda asociado a El Vestíbulo", "Todo en orden")
    await app.say(owner, str(VIP))  # the wizard is over
    assert (await _config(app)).vip_channel_id is None


async def test_channel_by_username_without_the_bot_is_saved_with_a_warning(
    app: Harness, owner: TgUser
) -> None:
    app.double.add_chat(PUBLIC, "channel", title="Diana pública", username="diana_publica")
    await app.press(owner, cb(S.CONFIG, A.CHANNEL, arg="free"))
    await app.say(owner, "@diana_publica")
    assert (await _config(app)).free_channel_id == PUBLIC
    app.shows(owner, "No soy administrador", "Diana pública")
    assert calls(app.double, "getChat", chat_id="@diana_publica")


async def test_one_chat_cannot_be_both_channels(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await app.press(owner, cb(S.CONFIG, A.CHANNEL, arg="free"))
    await app.send(app.updates.forwarded_channel_post(owner, VIP, "El Diván"))
    assert "Un mismo canal no puede ser ambos" in app.text(owner)
    config = await _config(app)
    assert (config.vip_channel_id, config.free_channel_id) == (VIP, FREE)
    await app.say(owner, "hola")  # still asking
    assert "-100" in app.text(owner)


async def test_a_forward_from_a_person_is_not_a_channel(app: Harness, owner: TgUser) -> None:
    await app.press(owner, cb(S.CONFIG, A.CHANNEL, arg="vip"))
    update = app.updates.message(owner, "reenviado")
    update["message"]["forward_origin"] = {
        "type": "user",
        "sender_user": {"id": 42, "is_bot": False, "first_name": "Otro"},
        "date": 1,
    }
    await app.send(update)
    assert "Eso no es un canal" in app.text(owner)
    assert (await _config(app)).vip_channel_id is None


async def test_timezone_offsets_and_creator(app: Harness, owner: TgUser) -> None:
    await app.press(owner, cb(S.CONFIG, A.TIMEZONE))
    assert "No reconozco" in await app.say(owner, "Marte/Olympus")
    assert "Europe/Madrid" in await app.say(owner, "Europe/Madrid")
    assert (await _config(app)).timezone == "Europe/Madrid"

    await app.press(owner, cb(S.CONFIG, A.OFFSETS))
    await app.send(app.updates.photo_message(owner, "AgACphoto"))  # not a text: asked again
    assert "Para los avisos necesito un mensaje de texto" in app.text(owner)
    for bad in ("0,24", "721", "1,2,3,4,5,6", "doce", "24;12"):
        await app.say(owner, bad)
        refusal = app.text(owner)
        assert "720" in refusal and "5" in refusal, bad
    await app.say(owner, "12, 48")
    assert (await _config(app)).reminder_offsets_hours == "48,12"
    assert "48 h y 12 h" in app.text(owner)

    await app.press(owner, cb(S.CONFIG, A.CREATOR))
    assert "entre 5 y 32" in await app.say(owner, "@ab")
    await app.say(owner, "@diana_oficial")
    assert (await _config(app)).creator_username == "diana_oficial"

    changes = {e.target_id: (e.before, e.after) for e in await audit_of(app.runtime)}
    assert changes["timezone"] == (
        {"timezone": "America/Mexico_City"},
        {"timezone": "Europe/Madrid"},
    )
    assert changes["reminder_offsets_hours"] == (
        {"reminder_offsets_hours": "72,24"},
        {"reminder_offsets_hours": "48,12"},
    )
    assert changes["creator_username"] == (
        {"creator_username": None},
        {"creator_username": "diana_oficial"},
    )

    await app.press(owner, cb(S.CONFIG))  # the menu in the new zone
    assert "Europe/Madrid" in app.text(owner) and "@diana_oficial" in app.text(owner)


async def test_cancel_leaves_a_calibration_wizard(app: Harness, owner: TgUser) -> None:
    await app.press(owner, cb(S.CONFIG, A.TIMEZONE))
    await app.press(owner, cb(S.CONFIG, A.CANCEL))
    assert "Calibración" in app.text(owner)
    await app.say(owner, "Europe/Madrid")
    assert (await _config(app)).timezone == "America/Mexico_City"
    await app.press(owner, cb(S.CONFIG, A.OFFSETS))
    await app.send(app.updates.command(owner, "cancel"))
    await app.say(owner, "24")
    assert (await _config(app)).reminder_offsets_hours == "72,24"


async def test_switches_flip_and_are_audited(app: Harness, owner: TgUser) -> None:
    await app.press(owner, cb(S.CONFIG, A.DRY_RUN))
    assert "Modo ensayo activado" in app.text(owner)
    assert (await _config(app)).dry_run is True
    await app.press(owner, cb(S.CONFIG, A.DRY_RUN))
    assert (await _config(app)).dry_run is False
    await app.press(owner, cb(S.CONFIG, A.NOTIFY_JOINS))
    assert (await _config(app)).notify_unauthorized_joins is False
    entries = [(e.target_id, e.before, e.after) for e in await audit_of(app.runtime)]
    assert entries == [
        ("dry_run", {"dry_run": False}, {"dry_run": True}),
        ("dry_run", {"dry_run": True}, {"dry_run": False}),
        (
            "notify_unauthorized_joins",
            {"notify_unauthorized_joins": True},
            {"notify_unauthorized_joins": False},
        ),
    ]


async def test_forged_calibration_from_a_visitor_changes_nothing(app: Harness, ana: TgUser) -> None:
    app.double.add_chat(VIP, "channel", title="El Diván")
    app.double.set_bot_admin(VIP)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, creator_username="diana")
    await app.send(app.updates.command(ana, "start"))
    for data in (
        cb(S.CONFIG),
        cb(S.CONFIG, A.DRY_RUN),
        cb(S.CONFIG, A.NOTIFY_JOINS),
        cb(S.CONFIG, A.CHANNEL, arg="vip"),
        cb(S.CONFIG, A.TIMEZONE),
    ):
        answer = await app.press(ana, data)
        assert "custodios" in (answer["text"] or ""), data
    await app.send(app.updates.forwarded_channel_post(ana, VIP, "El Diván"))
    await app.say(ana, "Europe/Madrid")
    config = await _config(app)
    assert config.vip_channel_id is None and config.dry_run is False
    assert config.timezone == "America/Mexico_City" and config.notify_unauthorized_joins
    assert await audit_of(app.runtime) == []
    assert app.double.calls_to("getChatMember") == []


async def test_a_forward_from_a_channel_the_bot_is_not_in(app: Harness, owner: TgUser) -> None:
    app.double.add_chat(VIP, "channel", title="El Diván")  # private, the bot not added yet
    await app.press(owner, cb(S.CONFIG, A.CHANNEL, arg="vip"))
    await app.send(app.updates.forwarded_channel_post(owner, VIP, "El Diván"))
    assert (await _config(app)).vip_channel_id == VIP  # saved, with the warning
    app.shows(owner, "El Diván", "No soy administrador")
