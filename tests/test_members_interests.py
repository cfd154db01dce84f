""" "Me interesa" and forged member buttons, through the webhook."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from lucien.callbacks import FreeAction, FreeCB, VipAction, VipCB
from lucien.db.models import Interest, InterestMark, User, utcnow
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, all_rows, count, shows_hostile_name
from tests.conftest import ADMIN_ID, OWNER_ID, Harness
from tests.factories import BRUNO, make_package, make_vip

ADMINS = (OWNER_ID, ADMIN_ID)


def notifications(app: Harness, admin_id: int) -> list[str]:
    return [t for t in app.texts_to(admin_id) if "interés" in t or "acercado" in t]


async def test_interest_in_a_free_package(app: Harness, ana: TgUser) -> None:
    package = await make_package(app.runtime, "Postales")
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Contenido del jardín")
    await app.press(ana, label="Postales")
    detail_before = app.double.last_message(ana.id)
    await app.press(ana, label="Me interesa")

    stored = await all_rows(app.runtime, Interest)
    assert [(i.user_id, i.package_id, i.attended_at) for i in stored] == [
        (ana.id, package.id, None)
    ]
    # Diana's own note, a new message; the detail screen stays where it was.
    note = app.double.last_message(ana.id)
    assert note is not None and note["message_id"] != detail_before["message_id"]  # type: ignore[index]
    assert "Diana" in note["text"] and "Postales" in note["text"] and "te " in note["text"]
    for admin_id in ADMINS:
        sent = app.double.last_message(admin_id)
        assert sent is not None and "Ana" in sent["text"] and "Postales" in sent["text"]
        assert "visitante" in sent["text"]
        found = app.labels(sent)
        assert any("atendido" in x for x in found)
        chat = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row if "url" in b]
        assert chat and chat[0]["url"] == f"tg://user?id={ana.id}"


async def test_a_second_tap_within_five_minutes_is_refused(app: Harness, ana: TgUser) -> None:
    await make_package(app.runtime, "Postales")
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="Contenido del jardín")
    await app.press(ana, label="Postales")
    data = app.button_data(ana, "Me interesa")
    await app.press(ana, data)
    await app.send(app.updates.callback(ana, data, message_id=None))
    assert "no hace falta repetirlo" in (app.answer()["text"] or "")
    assert await count(app.runtime, Interest) == 1
    assert all(len(notifications(app, a)) == 1 for a in ADMINS)

    # Once the window has passed, the same interest is welcome again.
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            update(InterestMark).values(last_at=utcnow() - timedelta(minutes=5, seconds=1))
        )
    await app.send(app.updates.callback(ana, data))
    assert await count(app.runtime, Interest) == 2
    assert all(len(notifications(app, a)) == 2 for a in ADMINS)


async def test_ten_concurrent_taps_make_one_interest(app: Harness, ana: TgUser) -> None:
    package = await make_package(app.runtime, "Postales")
    await app.send(app.updates.command(ana, "start"))
    data = FreeCB(action=FreeAction.INTEREST, id=package.id).pack()
    taps = [app.updates.callback(ana, data) for _ in range(10)]
    await asyncio.gather(*(app.send(t) for t in taps))
    assert await count(app.runtime, Interest) == 1
    for admin_id in ADMINS:
        assert len(notifications(app, admin_id)) == 1
    answers = [a["text"] for a in app.double.callback_answers]
    assert len(answers) == 10
    assert sum(1 for a in answers if a and "no hace falta" in a) == 9


async def test_interest_in_the_circle(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "start"))
    await app.press(ana, label="círculo de Diana")
    await app.press(ana, label="Me interesa")
    stored = await all_rows(app.runtime, Interest)
    assert [(i.user_id, i.package_id) for i in stored] == [(ana.id, None)]
    assert "círculo" in app.text(ana)
    for admin_id in ADMINS:
        assert "membresía VIP" in (app.double.last_message(admin_id) or {})["text"]


async def test_vip_interest_in_premium_and_in_renewal(app: Harness) -> None:
    await make_vip(app.runtime, BRUNO)
    premium = await make_package(app.runtime, "Sesión privada", "VIP_PREMIUM", price="120")
    await app.send(app.updates.command(BRUNO, "start"))
    await app.press(BRUNO, label="Contenido del Diván")
    await app.press(BRUNO, label="Sesión privada")
    await app.press(BRUNO, label="Me interesa")
    await app.send(app.updates.command(BRUNO, "menu"))
    await app.press(BRUNO, label="Cómo renovar")
    await app.press(BRUNO, label="Me interesa")
    stored = await all_rows(app.runtime, Interest)
    assert sorted((i.package_id or 0) for i in stored) == [0, premium.id]
    notice = app.double.last_message(OWNER_ID)
    assert notice is not None and "miembro del círculo" in notice["text"]


async def test_a_blocked_admin_does_not_stop_the_others(app: Harness, ana: TgUser) -> None:
    package = await make_package(app.runtime, "Postales")
    await app.send(app.updates.command(ana, "start"))
    await app.send(app.updates.command(TgUser(id=OWNER_ID, first_name="Diana"), "start"))
    app.double.block_bot(OWNER_ID)
    await app.send(
        app.updates.callback(ana, FreeCB(action=FreeAction.INTEREST, id=package.id).pack())
    )
    assert await count(app.runtime, Interest) == 1
    assert len(notifications(app, ADMIN_ID)) == 1
    owner = (await all_rows(app.runtime, User, User.id == OWNER_ID))[0]
    assert owner.unreachable is True
    assert "Diana" in app.text(ana)


async def test_hostile_names_in_the_admin_notification(app: Harness) -> None:
    hostile = TgUser(id=5003, first_name=HOSTILE)
    package = await make_package(app.runtime, HOSTILE)
    await app.send(app.updates.command(hostile, "start"))
    await app.send(
        app.updates.callback(hostile, FreeCB(action=FreeAction.INTEREST, id=package.id).pack())
    )
    assert shows_hostile_name(app.double.last_message(OWNER_ID))
    assert shows_hostile_name(app.double.last_message(hostile.id))


# -- forged buttons -----------------------------------------------------------------------


async def test_forged_vip_buttons_from_a_visitor_show_and_change_nothing(
    app: Harness, ana: TgUser
) -> None:
    secret = await make_package(app.runtime, "Cartas del Diván", "VIP_CONTENT", price="15")
    premium = await make_package(app.runtime, "Sesión privada", "VIP_PREMIUM", price="99")
    await app.send(app.updates.command(ana, "start"))
    menu = app.double.last_message(ana.id)
    forged = [
        VipCB(action=VipAction.MENU),
        VipCB(action=VipAction.CONTENT),
        VipCB(action=VipAction.CONTENT, page=1),
        VipCB(action=VipAction.PACKAGE, id=secret.id),
        VipCB(action=VipAction.INTEREST, id=premium.id),
        VipCB(action=VipAction.STATUS),
        VipCB(action=VipAction.RENEW),
        VipCB(action=VipAction.RENEW_INTEREST),
        # The Free namespace with a VIP package's id.
        FreeCB(action=FreeAction.PACKAGE, id=secret.id),
        FreeCB(action=FreeAction.PACKAGE, id=premium.id),
        FreeCB(action=FreeAction.INTEREST, id=secret.id),
    ]
    for data in forged:
        await app.send(app.updates.callback(ana, data.pack()))
        assert app.answer()["text"], data  # always answered, politely
    for junk in ("v:nope:1:0", "f:content:x:0", "v:pkg:99999999999999999999:0", "f:zz"):
        await app.send(app.updates.callback(ana, junk))
        assert app.answer()["text"], junk
    assert len(app.double.callback_answers) == len(forged) + 4
    assert app.double.calls_to("editMessageText") == []
    assert app.double.last_message(ana.id) == menu
    every_text = " ".join(app.texts_to(ana.id))
    assert "Cartas del Diván" not in every_text and "Sesión privada" not in every_text
    assert await count(app.runtime, Interest) == 0
    assert await count(app.runtime, InterestMark) == 0
    assert all(notifications(app, a) == [] for a in ADMINS)


async def test_an_inactive_package_cannot_be_opened_or_wanted(app: Harness, ana: TgUser) -> None:
    gone = await make_package(app.runtime, "Retirado", active=False)
    await app.send(app.updates.command(ana, "start"))
    await app.send(app.updates.callback(ana, FreeCB(action=FreeAction.PACKAGE, id=gone.id).pack()))
    assert "ya no figura" in (app.answer()["text"] or "")
    await app.send(app.updates.callback(ana, FreeCB(action=FreeAction.INTEREST, id=gone.id).pack()))
    assert "ya no figura" in (app.answer()["text"] or "")
    assert await count(app.runtime, Interest) == 0
    assert "Retirado" not in " ".join(app.texts_to(ana.id))
