"""The Telegram double, tested directly: through aiogram's real client and through raw HTTP.

aiogram talks to the double over a tiny throwaway httpx session defined here (the product's
own session lives in ``lucien.telegram.session``; these tests must not depend on it), so
what is checked is what the product relies on: aiogram parses every result and raises the
same exceptions it raises against Telegram.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)

from lucien.telegram.double import TelegramDouble, TgUser, UpdateFactory
from lucien.telegram.session import HttpxSession

CHANNEL = -1001234567890
FREE = -1009876543210
ANA = TgUser(id=5001, first_name="Ana", username="ana")
BRUNO = TgUser(id=5002, first_name="Bruno", last_name="Díaz")
OWNER = TgUser(id=1001, first_name="Diana", username="diana")


@pytest.fixture
def double() -> TelegramDouble:
    return TelegramDouble()


@pytest.fixture
async def bot(double: TelegramDouble) -> AsyncIterator[Bot]:
    # The project's own session, over ASGI into the double: the same request encoding.
    session = HttpxSession("http://telegram.test", transport=httpx.ASGITransport(app=double.app))
    the_bot = Bot(
        "123456:TEST-TOKEN", session=session, default=DefaultBotProperties(parse_mode="HTML")
    )
    yield the_bot
    await session.close()


@pytest.fixture
async def http(double: TelegramDouble) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=double.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://telegram.test") as client:
        yield client


def channel_with_admin_bot(double: TelegramDouble, chat_id: int = CHANNEL, **rights: bool) -> None:
    double.add_chat(chat_id, "channel", title="El Diván")
    double.set_owner(chat_id, OWNER)
    double.set_bot_admin(chat_id, **rights)


# --------------------------------------------------------------------------- basics


async def test_get_me_describes_the_bot(bot: Bot, double: TelegramDouble) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (777000001, True, "LucienBot")
    assert double.calls_to("getMe")[0].ok


async def test_send_message_parses_html_and_keeps_the_inline_keyboard(
    bot: Bot, double: TelegramDouble
) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Continuar", callback_data="vip:ritual:2")]]
    )
    sent = await bot.send_message(
        ANA.id, "Hola, <b>Ana</b> &amp; compañía\n", reply_markup=keyboard
    )

    assert sent.text == "Hola, Ana & compañía"
    assert sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == double.bot_id
    stored = double.last_message(ANA.id)
    assert stored is not None
    assert stored["entities"] == [{"type": "bold", "offset": 6, "length": 3}]
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "vip:ritual:2"
    call = double.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == ANA.id  # form strings are coerced back to ints
    assert call.params["text"].startswith("Hola, <b>")  # the request is recorded as sent


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>&", 'Can\'t find end tag corresponding to start tag "b"'),
        ("Hola <script>", 'Unsupported start tag "script" at byte offset 5'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
    ],
)
async def test_malformed_html_is_refused_like_telegram(bot: Bot, text: str, fragment: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
        await bot.send_message(ANA.id, text)
    assert fragment in caught.value.message


async def test_escaped_html_and_lone_ampersand_are_fine(bot: Bot) -> None:
    sent = await bot.send_message(ANA.id, "&lt;b&gt;&amp; Tom & Jerry")
    assert sent.text == "<b>& Tom & Jerry"


async def test_entity_offsets_are_utf16(bot: Bot, double: TelegramDouble) -> None:
    await bot.send_message(ANA.id, '🎩 <i>Lucien</i> <a href="https://t.me/diana">Diana</a>')
    stored = double.last_message(ANA.id)
    assert stored is not None and stored["text"] == "🎩 Lucien Diana"
    assert stored["entities"] == [
        {"type": "italic", "offset": 3, "length": 6},
        {"type": "text_link", "offset": 10, "length": 5, "url": "https://t.me/diana"},
    ]


async def test_edit_message_text_semantics(bot: Bot, double: TelegramDouble) -> None:
    sent = await bot.send_message(ANA.id, "Menú")

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="Menú", chat_id=ANA.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="Otro", chat_id=ANA.id, message_id=999)

    edited = await bot.edit_message_text(text="Estado", chat_id=ANA.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.edit_date is not None
    assert [m["text"] for m in double.sent_messages(ANA.id)] == ["Estado"]


async def test_edit_reply_markup_and_delete(bot: Bot, double: TelegramDouble) -> None:
    sent = await bot.send_message(ANA.id, "Menú")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Volver", callback_data="free:back")]]
    )
    await bot.edit_message_reply_markup(
        chat_id=ANA.id, message_id=sent.message_id, reply_markup=keyboard
    )
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_reply_markup(
            chat_id=ANA.id, message_id=sent.message_id, reply_markup=keyboard
        )
    assert await bot.delete_message(ANA.id, sent.message_id) is True
    assert double.sent_messages(ANA.id) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ANA.id, sent.message_id)


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="a" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ANA.id, "x", reply_markup=keyboard)


# --------------------------------------------------------------------------- faults


async def test_injected_429_raises_retry_after_once(bot: Bot, double: TelegramDouble) -> None:
    double.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ANA.id, "uno")
    assert caught.value.retry_after == 7

    await bot.send_message(ANA.id, "dos")
    calls = double.calls_to("sendMessage")
    assert [c.ok for c in calls] == [False, True]
    assert calls[0].error == {
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_fault_limited_to_one_chat(bot: Bot, double: TelegramDouble) -> None:
    double.fail("sendmessage", 400, "Bad Request: chat not found", chat_id=BRUNO.id, times=None)
    await bot.send_message(ANA.id, "hola")
    for _ in range(2):
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(BRUNO.id, "hola")
    double.clear_faults()
    await bot.send_message(BRUNO.id, "hola")


async def test_blocked_user_answers_403_until_unblocked(bot: Bot, double: TelegramDouble) -> None:
    double.block_bot(ANA.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ANA.id, "hola")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_photo(ANA.id, "photo-file-id")
    double.unblock_bot(ANA.id)
    await bot.send_message(ANA.id, "hola")


async def test_network_faults(bot: Bot, double: TelegramDouble) -> None:
    double.fail_network("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(ANA.id, "hola")

    double.fail_network("sendMessage", mode="bad_gateway")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(ANA.id, "hola")

    await bot.send_message(ANA.id, "hola")
    calls = double.calls_to("sendMessage")
    assert [(c.ok, c.error_code) for c in calls] == [(False, None), (False, None), (True, None)]
    assert double.sent_messages(ANA.id)[0]["message_id"] == 1  # failed calls sent nothing


async def test_wildcard_fault_and_token_check(http: httpx.AsyncClient) -> None:
    strict = TelegramDouble(token="42:right")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=strict.app), base_url="http://t"
    ) as client:
        assert (await client.get("/bot42:wrong/getMe")).status_code == 401
        strict.fail("*", 500, "Internal Server Error", times=2)
        assert (await client.get("/bot42:right/getMe")).status_code == 500
        assert (await client.get("/bot42:right/getWebhookInfo")).status_code == 500
        assert (await client.get("/bot42:right/getMe")).json()["ok"] is True


# --------------------------------------------------------------------------- HTTP surface


async def test_unknown_method_and_case_insensitive_names(
    http: httpx.AsyncClient, double: TelegramDouble
) -> None:
    missing = await http.post("/bot1:x/sendTelepathy", json={})
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    lower = await http.get("/bot1:x/getme")
    assert lower.json()["result"]["username"] == "LucienBot"
    assert [c.method for c in double.calls] == ["sendTelepathy", "getMe"]


async def test_request_encodings(http: httpx.AsyncClient, double: TelegramDouble) -> None:
    markup = {"inline_keyboard": [[{"text": "Ir", "callback_data": "go"}]]}
    as_json = await http.post(
        "/botX/sendMessage", json={"chat_id": ANA.id, "text": "json", "reply_markup": markup}
    )
    as_form = await http.post(
        "/botX/sendMessage",
        data={"chat_id": str(ANA.id), "text": "42", "reply_markup": json.dumps(markup)},
    )
    as_query = await http.get("/botX/sendMessage", params={"chat_id": ANA.id, "text": "[1]"})
    as_multipart = await http.post(
        "/botX/sendDocument",
        data={"chat_id": str(ANA.id), "caption": "contrato"},
        files={"document": ("contrato.pdf", b"%PDF-1.4", "application/pdf")},
    )
    for response in (as_json, as_form, as_query, as_multipart):
        assert response.status_code == 200, response.text
    assert as_form.json()["result"]["text"] == "42"  # free text is never coerced
    assert as_form.json()["result"]["reply_markup"] == markup
    assert as_query.json()["result"]["text"] == "[1]"
    document = as_multipart.json()["result"]["document"]
    assert document["file_name"] == "contrato.pdf"
    assert double.calls_to("sendDocument")[0].params["document"]["file_size"] == 8


async def test_inspection_routes(http: httpx.AsyncClient, double: TelegramDouble) -> None:
    await http.post("/botX/sendMessage", json={"chat_id": ANA.id, "text": "a Ana"})
    await http.post("/botX/sendMessage", json={"chat_id": BRUNO.id, "text": "a Bruno"})

    calls = (await http.get("/_double/calls")).json()
    assert [c["params"]["text"] for c in calls] == ["a Ana", "a Bruno"]
    to_ana = (await http.get("/_double/messages", params={"chat_id": ANA.id})).json()
    assert [m["text"] for m in to_ana] == ["a Ana"]
    assert len((await http.get("/_double/messages")).json()) == 2

    assert (await http.post("/_double/reset")).json() == {"ok": True}
    assert double.calls == [] and double.sent_messages() == []


async def test_upload_through_aiogram_gets_a_file_id(bot: Bot, double: TelegramDouble) -> None:
    sent = await bot.send_photo(
        ANA.id, BufferedInputFile(b"\x89PNG...", filename="foto.png"), caption="<i>Hola</i>"
    )
    assert sent.photo is not None and sent.photo[-1].file_id.startswith("photo-")
    assert sent.caption == "Hola"
    again = await bot.send_photo(ANA.id, sent.photo[-1].file_id)
    assert again.photo == sent.photo


# --------------------------------------------------------------------------- chats and members


async def test_get_chat_is_chat_full_info(bot: Bot, double: TelegramDouble) -> None:
    channel_with_admin_bot(double)
    chat = await bot.get_chat(CHANNEL)
    assert isinstance(chat, ChatFullInfo)
    assert (chat.type, chat.title) == ("channel", "El Diván")
    assert chat.invite_link is not None and chat.invite_link.startswith("https://t.me/+")


async def test_private_channel_without_the_bot_is_not_found(
    bot: Bot, double: TelegramDouble
) -> None:
    double.add_chat(CHANNEL, "channel", title="El Diván")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(CHANNEL)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100555, "¿hay alguien?")


async def test_get_chat_member_reports_bot_rights(bot: Bot, double: TelegramDouble) -> None:
    channel_with_admin_bot(double, can_invite_users=False)
    me = await bot.get_chat_member(CHANNEL, double.bot_id)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_invite_users is False
    assert me.can_restrict_members is True and me.can_post_messages is True

    double.set_bot_member(CHANNEL)
    double.add_chat(FREE, "channel", title="El Vestíbulo", username="vestibulo")
    double.set_bot_member(FREE)
    assert isinstance(await bot.get_chat_member(FREE, double.bot_id), ChatMemberMember)
    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_member(FREE, ANA.id)

    double.set_bot_admin(FREE)
    assert isinstance(await bot.get_chat_member(FREE, ANA.id), ChatMemberLeft)
    double.add_chat(ANA.id, "private")
    assert isinstance(await bot.get_chat_member(ANA.id, ANA.id), ChatMemberMember)
    admins = await bot.get_chat_administrators(FREE)
    assert [a.user.id for a in admins] == [double.bot_id]


async def test_sending_to_a_channel_needs_post_rights(bot: Bot, double: TelegramDouble) -> None:
    channel_with_admin_bot(double, can_post_messages=False)
    with pytest.raises(TelegramBadRequest, match="need administrator rights"):
        await bot.send_message(CHANNEL, "Aviso")
    double.set_bot_admin(CHANNEL)
    post = await bot.send_message(CHANNEL, "Aviso")
    assert post.sender_chat is not None and post.sender_chat.id == CHANNEL


async def test_invite_link_lifecycle(bot: Bot, double: TelegramDouble) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.create_chat_invite_link(CHANNEL)
    channel_with_admin_bot(double, can_invite_users=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage chat invite link"):
        await bot.create_chat_invite_link(CHANNEL)

    double.set_bot_admin(CHANNEL)
    expire = double.date() + 86400
    link = await bot.create_chat_invite_link(
        CHANNEL, name="Ana 5001", expire_date=expire, member_limit=1
    )
    other = await bot.create_chat_invite_link(CHANNEL, creates_join_request=True)
    assert link.invite_link != other.invite_link
    assert (link.name, link.member_limit, link.is_revoked, link.is_primary) == (
        "Ana 5001",
        1,
        False,
        False,
    )
    assert link.expire_date is not None and int(link.expire_date.timestamp()) == expire
    assert link.creator.id == double.bot_id

    update = double.member_joins(CHANNEL, ANA, invite_link=link.invite_link)
    parsed = Update.model_validate(update)
    assert parsed.chat_member is not None and parsed.chat_member.invite_link is not None
    assert parsed.chat_member.invite_link.name == "Ana 5001"
    assert double.member_status(CHANNEL, ANA.id) == "member"

    revoked = await bot.revoke_chat_invite_link(CHANNEL, link.invite_link)
    assert revoked.is_revoked is True
    assert [entry["is_revoked"] for entry in double.invite_links(CHANNEL)] == [True, False]


async def test_join_requests(bot: Bot, double: TelegramDouble) -> None:
    channel_with_admin_bot(double, FREE)
    update = double.join_request(FREE, ANA)
    parsed = Update.model_validate(update)
    assert parsed.chat_join_request is not None
    assert parsed.chat_join_request.from_user.id == ANA.id
    assert double.pending_join_requests(FREE) == [ANA.id]

    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.approve_chat_join_request(FREE, BRUNO.id)
    assert await bot.approve_chat_join_request(FREE, ANA.id) is True
    assert double.member_status(FREE, ANA.id) == "member"
    with pytest.raises(TelegramBadRequest, match="USER_ALREADY_PARTICIPANT"):
        await bot.approve_chat_join_request(FREE, ANA.id)

    double.join_request(FREE, BRUNO)
    assert await bot.decline_chat_join_request(FREE, BRUNO.id) is True
    assert double.pending_join_requests(FREE) == []

    consequences = [Update.model_validate(u) for u in double.take_updates()]
    assert len(consequences) == 1
    joined = consequences[0].chat_member
    assert joined is not None and joined.via_join_request is True
    assert (joined.old_chat_member.status, joined.new_chat_member.status) == ("left", "member")


async def test_ban_and_unban_semantics(bot: Bot, double: TelegramDouble) -> None:
    channel_with_admin_bot(double)
    double.set_member(CHANNEL, ANA)
    double.set_member(CHANNEL, BRUNO)

    assert await bot.ban_chat_member(CHANNEL, ANA.id) is True
    assert double.member_status(CHANNEL, ANA.id) == "kicked"
    assert double.banned_users(CHANNEL) == [ANA.id]
    assert await bot.unban_chat_member(CHANNEL, ANA.id, only_if_banned=True) is True
    assert double.member_status(CHANNEL, ANA.id) == "left"

    # only_if_banned leaves a current member alone; without it Telegram removes them.
    await bot.unban_chat_member(CHANNEL, BRUNO.id, only_if_banned=True)
    assert double.member_status(CHANNEL, BRUNO.id) == "member"
    await bot.unban_chat_member(CHANNEL, BRUNO.id)
    assert double.member_status(CHANNEL, BRUNO.id) == "left"

    with pytest.raises(TelegramBadRequest, match="can't remove chat owner"):
        await bot.ban_chat_member(CHANNEL, OWNER.id)
    double.set_bot_admin(CHANNEL, can_restrict_members=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.ban_chat_member(CHANNEL, ANA.id)


async def test_copy_message(bot: Bot, double: TelegramDouble) -> None:
    channel_with_admin_bot(double)
    photo = double.updates.photo_message(OWNER, "AgACphoto", caption="Nuevo contenido")
    source = photo["message"]

    copied = await bot.copy_message(CHANNEL, OWNER.id, source["message_id"], caption="<b>Hoy</b>")
    post = double.last_message(CHANNEL)
    assert post is not None and post["message_id"] == copied.message_id
    assert post["photo"][-1]["file_id"] == "AgACphoto"
    assert (post["caption"], post["caption_entities"][0]["type"]) == ("Hoy", "bold")
    assert post["copied_from"] == {"chat_id": OWNER.id, "message_id": source["message_id"]}

    unknown = await bot.copy_message(CHANNEL, -100777, 42)
    assert unknown.message_id == copied.message_id + 1
    params = double.calls_to("copyMessage")[1].params
    assert (params["from_chat_id"], params["message_id"]) == (-100777, 42)


async def test_webhook_and_commands(bot: Bot, double: TelegramDouble) -> None:
    double.set_pending_update_count(3)
    await bot.set_webhook(
        "https://lucien.example/webhook",
        secret_token="s3cret_-",
        allowed_updates=["message", "chat_member"],
    )
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("https://lucien.example/webhook", 3)
    assert info.allowed_updates == ["message", "chat_member"]
    assert double.webhook.secret_token == "s3cret_-"
    double.set_webhook_error("Wrong response from the webhook: 500 Internal Server Error")
    assert (await bot.get_webhook_info()).last_error_message is not None
    await bot.delete_webhook(drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 0)

    admin_scope = BotCommandScopeChat(chat_id=OWNER.id)
    await bot.set_my_commands([BotCommand(command="start", description="Inicio")])
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Panel")], scope=admin_scope, language_code="es"
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=admin_scope)] == []
    scoped = await bot.get_my_commands(scope=admin_scope, language_code="es")
    assert [c.command for c in scoped] == ["admin"]
    assert double.my_commands({"type": "chat", "chat_id": OWNER.id}, "es")[0]["command"] == "admin"
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []


async def test_callback_answers_are_recorded_once(bot: Bot, double: TelegramDouble) -> None:
    sent = await bot.send_message(ANA.id, "Menú")
    update = double.updates.callback(ANA, "free:content")
    query = Update.model_validate(update).callback_query
    assert query is not None and query.message is not None
    assert query.message.message_id == sent.message_id  # the bot's real message

    await bot.answer_callback_query(query.id, text="Listo", show_alert=True)
    assert double.callback_answers[-1]["text"] == "Listo"
    assert double.callback_answers[-1]["show_alert"] is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)


# --------------------------------------------------------------------------- update builders


def _builders(factory: UpdateFactory) -> dict[str, Callable[[], dict[str, Any]]]:
    return {
        "message": lambda: factory.message(ANA, "hola"),
        "group message": lambda: factory.message(
            ANA, "hola", chat={"id": -10042, "type": "supergroup", "title": "Grupo"}
        ),
        "command": lambda: factory.command(ANA, "start", "tok_123"),
        "callback": lambda: factory.callback(ANA, "vip:menu", message_text="Menú VIP"),
        "chat_join_request": lambda: factory.chat_join_request(FREE, ANA),
        "chat_join_request+link": lambda: factory.chat_join_request(
            FREE, ANA, invite_link="https://t.me/+abc"
        ),
        "chat_member": lambda: factory.chat_member(CHANNEL, ANA, "left", "member"),
        "chat_member kicked": lambda: factory.chat_member(CHANNEL, ANA, "member", "kicked"),
        "chat_member admin": lambda: factory.chat_member(
            CHANNEL, BRUNO, "member", "administrator", from_user=OWNER
        ),
        "chat_member restricted": lambda: factory.chat_member(-10042, ANA, "member", "restricted"),
        "my_chat_member": lambda: factory.my_chat_member(
            CHANNEL, "left", "administrator", from_user=OWNER
        ),
        "my_chat_member blocked": lambda: factory.my_chat_member(
            ANA.id, "member", "kicked", from_user=ANA
        ),
        "forwarded_channel_post": lambda: factory.forwarded_channel_post(
            OWNER, CHANNEL, "El Diván", "eldivan"
        ),
        "photo_message": lambda: factory.photo_message(
            OWNER,
            "AgACphoto",
            caption="Hola",
            caption_entities=[{"type": "bold", "offset": 0, "length": 4}],
        ),
        "document_message": lambda: factory.document_message(OWNER, "BQACdoc", caption="PDF"),
        "video_message": lambda: factory.video_message(OWNER, "BAACvid"),
    }


BUILDER_NAMES = list(_builders(UpdateFactory()))


@pytest.mark.parametrize("owned", [True, False], ids=["double", "standalone"])
@pytest.mark.parametrize("name", BUILDER_NAMES)
def test_every_builder_makes_a_valid_update(name: str, owned: bool) -> None:
    double = TelegramDouble()
    double.add_chat(CHANNEL, "channel", title="El Diván")
    double.add_chat(FREE, "channel", title="El Vestíbulo")
    factory = double.updates if owned else UpdateFactory(100)
    update = _builders(factory)[name]()
    parsed = Update.model_validate(update)
    assert parsed.update_id == update["update_id"]
    assert parsed.event_type != "update"  # exactly one payload


def test_update_ids_increase_and_commands_carry_an_entity() -> None:
    factory = UpdateFactory(500)
    first = factory.command(ANA, "/start", "abc")
    second = factory.message(ANA, "/menu")
    assert (first["update_id"], second["update_id"]) == (500, 501)
    assert first["message"]["text"] == "/start abc"
    assert first["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert second["message"]["entities"][0]["type"] == "bot_command"


def test_forwarded_post_uses_forward_origin_channel() -> None:
    update = UpdateFactory().forwarded_channel_post(OWNER, CHANNEL, "El Diván", "@eldivan")
    message = Update.model_validate(update).message
    assert message is not None and message.forward_origin is not None
    origin = message.forward_origin
    assert origin.type == "channel"
    assert origin.chat.id == CHANNEL and origin.chat.username == "eldivan"  # type: ignore[union-attr]


def test_double_messages_share_ids_between_both_sides() -> None:
    double = TelegramDouble()
    first = double.updates.message(ANA, "hola")["message"]
    second = double.updates.message(ANA, "otra vez")["message"]
    assert (first["message_id"], second["message_id"]) == (1, 2)
    assert [m["text"] for m in double.messages(ANA.id)] == ["hola", "otra vez"]
    assert double.chat(ANA.id).first_name == "Ana"
