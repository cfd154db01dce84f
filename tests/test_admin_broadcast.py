"""Admin panel · broadcast, through the webhook: choose, send, preview, publish or cancel."""

from __future__ import annotations

import asyncio
from typing import Any

from lucien.access.config import update_config
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.telegram.double import TgUser
from tests.access_support import calls
from tests.admin_support import audit_of, button_data, cb, has_button
from tests.conftest import OWNER_ID, Harness
from tests.factories import FREE, VIP, configure

BOLD_TEXT = "Esta noche, en el Diván: una sorpresa"
BOLD = [
    {"type": "bold", "offset": 0, "length": 10},
    {"type": "italic", "offset": 29, "length": 8},
]


async def _draft(app: Harness, who: TgUser, target: str, update: dict[str, Any]) -> int:
    """Choose the channel and send the post; returns the admin's message id."""
    await app.press(who, cb(S.BROADCAST))
    await app.press(who, cb(S.BROADCAST, A.TARGET, arg=target))
    assert "Envíeme el mensaje" in app.text(who)
    await app.send(update)
    return int(update["message"]["message_id"])


def _preview_ok(app: Harness, who: TgUser, message_id: int) -> dict[str, Any]:
    (preview,) = calls(app.double, "copyMessage", chat_id=who.id)
    assert preview.params["from_chat_id"] == who.id
    assert preview.params["message_id"] == message_id
    sent = app.double.sent_messages(who.id)
    assert "Así se verá" in sent[-3]["text"]
    assert sent[-2]["copied_from"] == {"chat_id": who.id, "message_id": message_id}
    confirm = sent[-1]
    assert has_button(confirm, "Publicar") and has_button(confirm, "Cancelar")
    return sent[-2]


async def _publish(app: Harness, who: TgUser) -> None:
    await app.press(who, button_data(app.screen(who), "Publicar"))


async def test_formatted_text_reaches_the_vip_channel(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    update = app.updates.message(owner, BOLD_TEXT, entities=BOLD)
    message_id = await _draft(app, owner, "vip", update)
    preview = _preview_ok(app, owner, message_id)
    assert preview["text"] == BOLD_TEXT and preview["entities"] == BOLD
    assert app.double.sent_messages(VIP) == []  # nothing published before the confirmation

    await _publish(app, owner)

    (copy,) = calls(app.double, "copyMessage", chat_id=VIP)
    assert copy.params["from_chat_id"] == OWNER_ID and copy.params["message_id"] == message_id
    (posted,) = app.double.sent_messages(VIP)
    assert posted["text"] == BOLD_TEXT and posted["entities"] == BOLD
    done = app.text(owner)
    assert "Diván" in done and ("Publicado" in done or "Hecho" in done)
    (entry,) = await audit_of(app.runtime, "broadcast.sent")
    assert entry.actor_id == OWNER_ID and entry.target_id == str(VIP)
    assert entry.after is not None and entry.after["kind"] == "text"
    assert entry.after["posted_message_id"] == posted["message_id"]

    # The wizard is over: the old button publishes nothing more.
    answer = await app.press(owner, cb(S.BROADCAST, A.SEND, arg="vip"))
    assert "ya no está disponible" in (answer["text"] or "")
    assert len(app.double.sent_messages(VIP)) == 1


async def test_photo_with_caption_reaches_the_free_channel(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    caption_entities = [{"type": "bold", "offset": 0, "length": 5}]
    update = app.updates.photo_message(
        owner, "photo-file-1", caption="Nuevo rincón del jardín", caption_entities=caption_entities
    )
    message_id = await _draft(app, owner, "free", update)
    _preview_ok(app, owner, message_id)
    assert "una foto" in app.text(owner)

    await _publish(app, owner)

    (copy,) = calls(app.double, "copyMessage", chat_id=FREE)
    assert copy.params["from_chat_id"] == OWNER_ID and copy.params["message_id"] == message_id
    (posted,) = app.double.sent_messages(FREE)
    assert posted["photo"][-1]["file_id"] == "photo-file-1"
    assert posted["caption"] == "Nuevo rincón del jardín"
    assert posted["caption_entities"] == caption_entities
    assert app.double.sent_messages(VIP) == []


async def test_document_reaches_the_vip_channel(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    update = app.updates.document_message(
        owner, "doc-file-1", caption="El programa", file_name="programa.pdf"
    )
    message_id = await _draft(app, owner, "vip", update)
    _preview_ok(app, owner, message_id)
    await _publish(app, owner)
    (posted,) = app.double.sent_messages(VIP)
    assert posted["document"]["file_id"] == "doc-file-1"
    assert posted["document"]["file_name"] == "programa.pdf"
    assert posted["caption"] == "El programa"


async def test_the_channel_must_be_configured(app: Harness, owner: TgUser) -> None:
    app.double.add_chat(VIP, "channel", title="El Diván")
    app.double.set_bot_admin(VIP)
    await configure_vip_only(app)
    await app.press(owner, cb(S.BROADCAST))
    menu = app.screen(owner)
    assert has_button(menu, "Al Diván") and not has_button(menu, "Al Vestíbulo")
    assert "Vestíbulo" in menu["text"]  # says which one is missing
    await app.press(owner, cb(S.BROADCAST, A.TARGET, arg="free"))  # an old or forged button
    assert "Aún no sé cuál es el Vestíbulo" in app.text(owner)
    await app.send(app.updates.message(owner, "hola"))
    assert app.double.calls_to("copyMessage") == []


async def configure_vip_only(app: Harness) -> None:
    async with app.runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=VIP)


async def test_unsupported_kind_keeps_the_step(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    sticker = app.updates.message(owner, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "sticker-1",
        "file_unique_id": "u-sticker-1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await _draft(app, owner, "vip", sticker)
    assert "no puedo publicarlo" in app.text(owner)
    assert app.double.calls_to("copyMessage") == []
    # Still waiting for the post, in the next request.
    update = app.updates.message(owner, BOLD_TEXT, entities=BOLD)
    await app.send(update)
    _preview_ok(app, owner, int(update["message"]["message_id"]))


async def test_cancel_publishes_nothing(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _draft(app, owner, "vip", app.updates.message(owner, "Borrador"))
    publish = button_data(app.screen(owner), "Publicar")
    await app.press(owner, button_data(app.screen(owner), "Cancelar"))
    assert "no se ha publicado nada" in app.text(owner)
    answer = await app.press(owner, publish)  # the preview's old button
    assert "ya no está disponible" in (answer["text"] or "")
    # /cancel works too.
    await _draft(app, owner, "vip", app.updates.message(owner, "Otro borrador"))
    await app.send(app.updates.command(owner, "cancel"))
    await app.press(owner, publish)
    assert app.double.sent_messages(VIP) == []
    assert await audit_of(app.runtime, "broadcast.sent") == []


async def test_a_new_message_replaces_the_draft(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _draft(app, owner, "vip", app.updates.message(owner, "Primera versión"))
    await app.send(app.updates.message(owner, "Versión final"))
    await _publish(app, owner)
    (posted,) = app.double.sent_messages(VIP)
    assert posted["text"] == "Versión final"


async def test_a_double_tap_publishes_once(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _draft(app, owner, "vip", app.updates.message(owner, BOLD_TEXT, entities=BOLD))
    data = button_data(app.screen(owner), "Publicar")
    taps = [app.updates.callback(owner, data) for _ in range(2)]
    await asyncio.gather(*(app.send(t) for t in taps))
    assert len(app.double.sent_messages(VIP)) == 1
    assert len(await audit_of(app.runtime, "broadcast.sent")) == 1


async def test_a_refused_post_can_be_published_after_fixing_rights(
    app: Harness, owner: TgUser
) -> None:
    await configure(app.runtime, app.double)
    app.double.set_bot_admin(VIP, can_post_messages=False)
    await _draft(app, owner, "vip", app.updates.message(owner, BOLD_TEXT, entities=BOLD))
    confirm = app.screen(owner)
    await _publish(app, owner)
    assert "No he podido publicar" in app.text(owner)
    assert app.double.sent_messages(VIP) == []

    app.double.set_bot_admin(VIP)
    data = button_data(confirm, "Publicar")
    await app.send(app.updates.callback(owner, data, message_id=confirm["message_id"]))
    (posted,) = app.double.sent_messages(VIP)
    assert posted["entities"] == BOLD


async def test_a_visitor_cannot_broadcast(app: Harness, owner: TgUser, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await app.send(app.updates.command(ana, "start"))
    for data in (
        cb(S.BROADCAST),
        cb(S.BROADCAST, A.TARGET, arg="vip"),
        cb(S.BROADCAST, A.SEND, arg="vip"),
    ):
        answer = await app.press(ana, data)
        assert "custodios" in (answer["text"] or ""), data
    await app.send(app.updates.message(ana, BOLD_TEXT, entities=BOLD))
    await app.press(ana, cb(S.BROADCAST, A.SEND, arg="vip"))
    assert app.double.calls_to("copyMessage") == []
    assert app.double.sent_messages(VIP) == []
