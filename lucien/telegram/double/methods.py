"""The Bot API methods the double implements, as a table ``canonical name → handler``.

A handler takes the double's state and the request's normalised parameters and returns the
``result`` Telegram would return, or raises :class:`BotApiError` with Telegram's own
status and description. Handlers are plain synchronous functions: each call is applied at
once, with no await in the middle, like a single Telegram request.

To add a method, write ``@method("sendSomething")`` over a function; the HTTP layer finds
it case-insensitively. Rights checks follow Telegram: a bot must be in a group or channel
to see it, an administrator with ``can_post_messages`` to post in a channel, with
``can_invite_users`` to manage links and join requests, with ``can_restrict_members`` to
ban.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Final

from lucien.telegram.double import errors
from lucien.telegram.double.errors import BotApiError, bad_request, forbidden
from lucien.telegram.double.formatting import HtmlParseError, parse_html, strip_text, utf16_len
from lucien.telegram.double.objects import (
    JSON,
    PARTICIPANT_STATUSES,
    accepted_gift_types,
    document_object,
    photo_sizes,
    short_user,
    video_object,
)
from lucien.telegram.double.state import ChatState, DoubleState, InviteLink, scope_key

Params = dict[str, Any]
Handler = Callable[[DoubleState, Params], Any]

METHODS: dict[str, Handler] = {}

MAX_TEXT: Final = 4096
MAX_CAPTION: Final = 1024
MAX_CALLBACK_DATA: Final = 64
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_MEDIA_KEYS: Final = ("photo", "document", "video", "animation", "audio", "voice")
_CONTENT_KEYS: Final = ("text", "entities", "caption", "caption_entities", *_MEDIA_KEYS)


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under its canonical Bot API name."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


# --------------------------------------------------------------------------- parameters


def _present(params: Params, name: str) -> bool:
    return params.get(name) not in (None, "")


def _require(params: Params, name: str) -> Any:
    if not _present(params, name):
        raise bad_request(f"Bad Request: {name} is empty")
    return params[name]


def _int(params: Params, name: str) -> int:
    value = _require(params, name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f"Bad Request: invalid {name} specified")
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"Bad Request: invalid {name} specified") from None


def _opt_int(params: Params, name: str) -> int | None:
    return _int(params, name) if _present(params, name) else None


def _bool(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _opt_str(params: Params, name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value)


# --------------------------------------------------------------------------- chats and rights


def _find_chat(state: DoubleState, params: Params, name: str = "chat_id") -> ChatState:
    """Resolve ``chat_id`` as Telegram does, including "chat not found" for hidden chats."""
    ref = _require(params, name)
    chat = state.find_chat(ref)
    if chat is None:
        raise bad_request(errors.CHAT_NOT_FOUND)
    if chat.type != "private" and not chat.username:
        bot = chat.members.get(state.bot_id)
        if bot is None or bot.status == "left":
            # A private group or channel the bot is not in does not exist for the bot.
            raise bad_request(errors.CHAT_NOT_FOUND)
    return chat


def _target_chat(state: DoubleState, params: Params) -> ChatState:
    """The chat a message goes to; a user's private chat is opened on first message."""
    ref = _require(params, "chat_id")
    if isinstance(ref, int) and ref > 0 and state.find_chat(ref) is None:
        chat = state.private_chat(ref)
    else:
        chat = _find_chat(state, params)
    _require_can_send(state, chat)
    return chat


def _require_can_send(state: DoubleState, chat: ChatState) -> None:
    if chat.type == "private":
        if chat.id in state.blocked_by:
            raise forbidden(errors.BOT_BLOCKED)
        return
    kind = "channel chat" if chat.type == "channel" else f"{chat.type} chat"
    bot = chat.members.get(state.bot_id)
    if bot is None or bot.status == "left":
        raise forbidden(f"Forbidden: bot is not a member of the {kind}")
    if bot.status == "kicked":
        raise forbidden(f"Forbidden: bot was kicked from the {kind}")
    if chat.type == "channel":
        if not bot.effective_rights().get("can_post_messages", False):
            raise bad_request("Bad Request: need administrator rights in the channel chat")
    elif bot.status == "restricted" and not bot.rights.get("can_send_messages", False):
        raise bad_request("Bad Request: not enough rights to send text messages to the chat")


def _require_bot_right(state: DoubleState, chat: ChatState, right: str, description: str) -> None:
    bot = chat.members.get(state.bot_id)
    if bot is None or not bot.effective_rights().get(right, False):
        raise bad_request(description)


def _require_not_private(chat: ChatState) -> None:
    if chat.type == "private":
        raise bad_request("Bad Request: chat member status can't be changed in private chats")


def _require_member_list(state: DoubleState, chat: ChatState, user_id: int | None) -> None:
    """Channels only show their members to administrators (the bot may always see itself)."""
    if chat.type != "channel" or user_id == state.bot_id:
        return
    bot = chat.members.get(state.bot_id)
    if bot is None or bot.status not in ("creator", "administrator"):
        raise bad_request(errors.MEMBER_LIST_INACCESSIBLE)


# --------------------------------------------------------------------------- message content


def _render(params: Params, text_key: str, entities_key: str) -> tuple[str, list[JSON]]:
    """Text plus entities as Telegram stores them (HTML parsed, whitespace trimmed)."""
    raw = params.get(text_key)
    text = "" if raw is None else str(raw)
    given = params.get(entities_key)
    parse_mode = str(params.get("parse_mode") or "").lower()
    if given:
        if not isinstance(given, list):
            raise bad_request(f"Bad Request: can't parse {entities_key} JSON object")
        entities = [dict(e) for e in given]
    elif parse_mode == "html":
        try:
            text, entities = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"Bad Request: can't parse entities: {exc}") from None
    else:
        entities = []
    return strip_text(text, entities)


def _text_content(params: Params) -> JSON:
    text, entities = _render(params, "text", "entities")
    if not text:
        raise bad_request(errors.TEXT_EMPTY)
    if utf16_len(text) > MAX_TEXT:
        raise bad_request(errors.TEXT_TOO_LONG)
    content: JSON = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def _caption_content(params: Params) -> JSON:
    caption, entities = _render(params, "caption", "caption_entities")
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request(errors.CAPTION_TOO_LONG)
    content: JSON = {}
    if caption:
        content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
    return content


def _markup(params: Params) -> tuple[JSON | None, JSON | None]:
    """Split ``reply_markup`` into (inline keyboard echoed in Message, other keyboard)."""
    markup = params.get("reply_markup")
    if markup in (None, ""):
        return None, None
    if not isinstance(markup, Mapping):
        raise bad_request("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None, dict(markup)
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("Bad Request: can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, Mapping) or not button.get("text"):
                raise bad_request(
                    "Bad Request: can't parse inline keyboard button: Text must be non-empty"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request(errors.BUTTON_DATA_INVALID)
            if len(button) == 1:
                raise bad_request(
                    "Bad Request: can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard"
                )
    return {"inline_keyboard": copy.deepcopy(rows)}, None


def _reply_to(state: DoubleState, chat: ChatState, params: Params) -> JSON:
    parameters = params.get("reply_parameters")
    target: int | None = None
    if isinstance(parameters, Mapping) and parameters.get("message_id") is not None:
        target = int(parameters["message_id"])
    elif _present(params, "reply_to_message_id"):
        target = _int(params, "reply_to_message_id")
    if target is None:
        return {}
    stored = state.find_message(chat.id, target)
    if stored is None:
        if isinstance(parameters, Mapping) and parameters.get("allow_sending_without_reply"):
            return {}
        raise bad_request("Bad Request: message to be replied not found")
    quoted = {k: v for k, v in stored.message.items() if k != "reply_to_message"}
    return {"reply_to_message": copy.deepcopy(quoted)}


def _send(state: DoubleState, chat: ChatState, params: Params, content: JSON) -> JSON:
    """Create, store and return a message the bot sends to ``chat``."""
    inline, other = _markup(params)
    message: JSON = {
        "message_id": state.allocate_message_id(chat.id),
        "date": state.date(),
        "chat": chat.to_dict(),
    }
    if chat.type == "channel":
        message["sender_chat"] = chat.to_dict()
    else:
        message["from"] = short_user(state.bot)
    message.update(_reply_to(state, chat, params))
    message.update(content)
    if _bool(params, "has_spoiler"):
        message["has_media_spoiler"] = True
    if _bool(params, "protect_content"):
        message["has_protected_content"] = True
    if inline is not None:
        message["reply_markup"] = inline
    state.store_message(message, from_bot=True, reply_keyboard=other)
    return message


def _media_object(state: DoubleState, kind: str, value: Any) -> Any:
    """The Message field for a sent photo/document/video (file id, URL or upload)."""
    if isinstance(value, Mapping):  # an uploaded file
        file_id = f"{kind}-{secrets.token_urlsafe(12)}"
        size = int(value.get("file_size") or 0) or None
        filename = str(value.get("filename") or kind)
        if kind == "photo":
            return photo_sizes(file_id, file_size=size)
        if kind == "video":
            return video_object(file_id, file_name=filename, file_size=size)
        return document_object(
            file_id, file_name=filename, mime_type=str(value.get("mime_type")), file_size=size
        )
    file_id = str(value)
    known = state.files.get(file_id)
    if known is not None and known[0] == kind:
        return copy.deepcopy(known[1])
    if kind == "photo":
        return photo_sizes(file_id)
    if kind == "video":
        return video_object(file_id)
    name = file_id.rsplit("/", 1)[-1] if "://" in file_id else "document.pdf"
    return document_object(file_id, file_name=name)


def _send_media(state: DoubleState, params: Params, kind: str) -> JSON:
    chat = _target_chat(state, params)
    media = _media_object(state, kind, _require(params, kind))
    content: JSON = {kind: media, **_caption_content(params)}
    if _bool(params, "show_caption_above_media"):
        content["show_caption_above_media"] = True
    return _send(state, chat, params, content)


def _editable(state: DoubleState, params: Params) -> tuple[ChatState, JSON]:
    chat = _find_chat(state, params)
    stored = state.find_message(chat.id, _int(params, "message_id"))
    if stored is None:
        raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)
    if not stored.from_bot:
        raise bad_request(errors.MESSAGE_CANT_BE_EDITED)
    if chat.type == "private" and chat.id in state.blocked_by:
        raise forbidden(errors.BOT_BLOCKED)
    return chat, stored.message


def _apply_edit(state: DoubleState, message: JSON, changes: JSON, inline: JSON | None) -> JSON:
    """Apply an edit, refusing one that changes nothing (Telegram's "not modified")."""
    unchanged = (
        all(message.get(k) == v for k, v in changes.items())
        and message.get("reply_markup") == inline
    )
    if unchanged:
        raise bad_request(errors.NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    if inline is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = inline
    message["edit_date"] = state.date()
    return message


# --------------------------------------------------------------------------- bot and messages


@method("getUpdates")
def get_updates(state: DoubleState, params: Params) -> list[JSON]:
    """Long polling: confirm everything below ``offset``, hand out what is queued.

    Like Telegram, it is refused while a webhook is set. It never waits: an empty queue
    answers at once, as a long poll whose ``timeout`` ran out would.
    """
    if state.webhook.url:
        raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active")
    offset = _opt_int(params, "offset")
    if offset is not None:
        state.update_queue = [u for u in state.update_queue if int(u["update_id"]) >= offset]
    limit = _opt_int(params, "limit") or 100
    return [dict(u) for u in state.update_queue[: max(1, min(limit, 100))]]


@method("getMe")
def get_me(state: DoubleState, params: Params) -> JSON:
    return dict(state.bot)


@method("sendMessage")
def send_message(state: DoubleState, params: Params) -> JSON:
    chat = _target_chat(state, params)
    content = _text_content(params)
    return _send(state, chat, params, content)


@method("sendPhoto")
def send_photo(state: DoubleState, params: Params) -> JSON:
    return _send_media(state, params, "photo")


@method("sendDocument")
def send_document(state: DoubleState, params: Params) -> JSON:
    return _send_media(state, params, "document")


@method("sendVideo")
def send_video(state: DoubleState, params: Params) -> JSON:
    return _send_media(state, params, "video")


@method("sendChatAction")
def send_chat_action(state: DoubleState, params: Params) -> bool:
    _target_chat(state, params)
    _require(params, "action")
    return True


def _edit(state: DoubleState, params: Params, changes: Callable[[JSON], JSON]) -> JSON | bool:
    """The edit methods' one path: an inline message is accepted as is; a chat message
    must be the bot's and editable, ``changes`` checks it has what is edited and says
    what changes, and an edit that changes nothing is refused."""
    if _present(params, "inline_message_id"):
        return True
    _, message = _editable(state, params)
    edited = changes(message)
    inline, _ = _markup(params)
    return _apply_edit(state, message, edited, inline)


@method("editMessageText")
def edit_message_text(state: DoubleState, params: Params) -> JSON | bool:
    def changes(message: JSON) -> JSON:
        if "text" not in message:
            raise bad_request(errors.NO_TEXT_TO_EDIT)
        content = _text_content(params)
        return {"text": content["text"], "entities": content.get("entities")}

    return _edit(state, params, changes)


@method("editMessageCaption")
def edit_message_caption(state: DoubleState, params: Params) -> JSON | bool:
    def changes(message: JSON) -> JSON:
        if not any(key in message for key in _MEDIA_KEYS):
            raise bad_request(errors.NO_CAPTION_TO_EDIT)
        content = _caption_content(params)
        return {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }

    return _edit(state, params, changes)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(state: DoubleState, params: Params) -> JSON | bool:
    return _edit(state, params, lambda message: {})


@method("deleteMessage")
def delete_message(state: DoubleState, params: Params) -> bool:
    chat = _find_chat(state, params)
    stored = state.find_message(chat.id, _int(params, "message_id"))
    if stored is None:
        raise bad_request(errors.MESSAGE_TO_DELETE_NOT_FOUND)
    stored.deleted = True
    return True


def _copy_content(source: JSON) -> JSON:
    return {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}


@method("copyMessage")
def copy_message(state: DoubleState, params: Params) -> JSON:
    """Copy a message; an unknown source is accepted (its content is simply unknown)."""
    chat = _target_chat(state, params)
    from_ref = _require(params, "from_chat_id")
    message_id = _int(params, "message_id")
    source_chat = state.find_chat(from_ref)
    stored = state.find_message(source_chat.id, message_id) if source_chat else None
    content = _copy_content(stored.message) if stored is not None else {}
    if "caption" in params and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption_content(params))
    message = _send(state, chat, params, content)
    source_id = source_chat.id if source_chat is not None else from_ref
    state.chats[chat.id].messages[message["message_id"]].copied_from = (source_id, message_id)
    return {"message_id": message["message_id"]}


@method("forwardMessage")
def forward_message(state: DoubleState, params: Params) -> JSON:
    chat = _target_chat(state, params)
    source_chat = _find_chat(state, params, "from_chat_id")
    stored = state.find_message(source_chat.id, _int(params, "message_id"))
    if stored is None:
        raise bad_request("Bad Request: message to forward not found")
    source = stored.message
    origin: JSON
    if source_chat.type == "channel":
        origin = {
            "type": "channel",
            "chat": source_chat.to_dict(),
            "message_id": source["message_id"],
            "date": source["date"],
        }
    else:
        origin = {"type": "user", "sender_user": source.get("from"), "date": source["date"]}
    content = {"forward_origin": origin, **_copy_content(source)}
    return _send(state, chat, {k: v for k, v in params.items() if k != "reply_markup"}, content)


@method("answerCallbackQuery")
def answer_callback_query(state: DoubleState, params: Params) -> bool:
    query_id = str(_require(params, "callback_query_id"))
    if query_id in state.answered_callback_ids:
        raise bad_request(errors.QUERY_TOO_OLD)
    if query_id in state.issued_callback_ids:
        state.answered_callback_ids.add(query_id)
    state.callback_answers.append(
        {
            "callback_query_id": query_id,
            "text": _opt_str(params, "text"),
            "show_alert": _bool(params, "show_alert"),
            "url": _opt_str(params, "url"),
            "cache_time": _opt_int(params, "cache_time"),
        }
    )
    return True


# --------------------------------------------------------------------------- webhook, commands


@method("setWebhook")
def set_webhook(state: DoubleState, params: Params) -> bool:
    url = str(params.get("url") or "")
    if url and not url.lower().startswith("https://"):
        raise bad_request("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    secret = _opt_str(params, "secret_token")
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise bad_request("Bad Request: secret token contains unallowed characters")
    webhook = state.webhook
    webhook.url = url
    webhook.secret_token = secret
    if params.get("allowed_updates") is not None:
        webhook.allowed_updates = [str(u) for u in params["allowed_updates"]]
    webhook.max_connections = _opt_int(params, "max_connections") or 40
    webhook.ip_address = _opt_str(params, "ip_address")
    webhook.has_custom_certificate = _present(params, "certificate")
    if _bool(params, "drop_pending_updates"):
        webhook.pending_update_count = 0
    return True


@method("deleteWebhook")
def delete_webhook(state: DoubleState, params: Params) -> bool:
    """Telegram's own equivalence: ``setWebhook`` with an empty URL (``allowed_updates`` is
    kept; what else it resets is not shown while no URL is set)."""
    kept = {k: v for k, v in params.items() if k == "drop_pending_updates"}
    return set_webhook(state, kept)


@method("getWebhookInfo")
def get_webhook_info(state: DoubleState, params: Params) -> JSON:
    webhook = state.webhook
    info: JSON = {
        "url": webhook.url,
        "has_custom_certificate": webhook.has_custom_certificate,
        "pending_update_count": webhook.pending_update_count,
    }
    if webhook.url:
        info["max_connections"] = webhook.max_connections
        if webhook.ip_address:
            info["ip_address"] = webhook.ip_address
    if webhook.last_error_date is not None:
        info["last_error_date"] = webhook.last_error_date
        info["last_error_message"] = webhook.last_error_message or ""
    if webhook.allowed_updates is not None:
        info["allowed_updates"] = list(webhook.allowed_updates)
    return info


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope")
    if scope is not None and not isinstance(scope, Mapping):
        raise bad_request("Bad Request: can't parse BotCommandScope JSON object")
    return scope_key(scope), str(params.get("language_code") or "")


@method("setMyCommands")
def set_my_commands(state: DoubleState, params: Params) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise bad_request("Bad Request: can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("Bad Request: too many commands specified")
    cleaned: list[JSON] = []
    for entry in commands:
        name = str(entry.get("command", "")) if isinstance(entry, Mapping) else ""
        if not _COMMAND_NAME.match(name.lower()):
            raise bad_request("Bad Request: BOT_COMMAND_INVALID")
        description = str(entry.get("description", ""))
        if not 1 <= len(description) <= 256:
            raise bad_request("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name.lower(), "description": description})
    key = _commands_key(params)
    if cleaned:
        state.commands[key] = cleaned
    else:
        state.commands.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(state: DoubleState, params: Params) -> list[JSON]:
    return copy.deepcopy(state.commands.get(_commands_key(params), []))


@method("deleteMyCommands")
def delete_my_commands(state: DoubleState, params: Params) -> bool:
    state.commands.pop(_commands_key(params), None)
    return True


def _profile_setter(field_name: str) -> Handler:
    def handler(state: DoubleState, params: Params) -> bool:
        state.bot_profile[field_name] = copy.deepcopy(params)
        return True

    return handler


for _name in ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton"):
    METHODS[_name] = _profile_setter(_name)


# --------------------------------------------------------------------------- chats and members


@method("getChat")
def get_chat(state: DoubleState, params: Params) -> JSON:
    chat = _find_chat(state, params)
    info = chat.to_dict()
    info.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": accepted_gift_types(),
        }
    )
    if chat.description:
        info["description"] = chat.description
    if chat.type != "private":
        bot = chat.members.get(state.bot_id)
        if bot is not None and bot.effective_rights().get("can_invite_users", False):
            info["invite_link"] = _primary_link(state, chat).invite_link
        if any(link.creates_join_request for link in chat.invite_links.values()):
            info["join_by_request"] = True
    return info


@method("getChatMember")
def get_chat_member(state: DoubleState, params: Params) -> JSON:
    chat = _find_chat(state, params)
    user_id = _int(params, "user_id")
    _require_member_list(state, chat, user_id)
    if chat.type == "private" and user_id not in (chat.id, state.bot_id):
        raise bad_request(errors.USER_NOT_FOUND)
    return state.member_dict(chat, user_id)


@method("getChatAdministrators")
def get_chat_administrators(state: DoubleState, params: Params) -> list[JSON]:
    chat = _find_chat(state, params)
    if chat.type == "private":
        raise bad_request("Bad Request: there are no administrators in the private chat")
    _require_member_list(state, chat, None)
    return [
        state.member_dict(chat, user_id)
        for user_id, member in chat.members.items()
        if member.status in ("creator", "administrator")
    ]


@method("getChatMemberCount")
def get_chat_member_count(state: DoubleState, params: Params) -> int:
    chat = _find_chat(state, params)
    return sum(1 for uid in chat.members if state.is_participant(chat.id, uid))


@method("leaveChat")
def leave_chat(state: DoubleState, params: Params) -> bool:
    chat = _find_chat(state, params)
    _require_not_private(chat)
    state.remove_bot(chat.id)
    return True


def _restrictable_target(state: DoubleState, params: Params) -> tuple[ChatState, int]:
    chat = _find_chat(state, params)
    _require_not_private(chat)
    _require_bot_right(state, chat, "can_restrict_members", errors.RESTRICT_RIGHTS)
    user_id = _int(params, "user_id")
    status = state.member_status(chat.id, user_id)
    if status == "creator":
        raise bad_request(errors.CANT_REMOVE_OWNER)
    if status == "administrator":
        raise bad_request(errors.USER_IS_ADMIN)
    return chat, user_id


@method("banChatMember")
def ban_chat_member(state: DoubleState, params: Params) -> bool:
    chat, user_id = _restrictable_target(state, params)
    until = _opt_int(params, "until_date") or 0
    now = state.date()
    if until and not now + 30 <= until <= now + 366 * 86400:
        until = 0  # Telegram: outside (30 s, 366 d) means "forever"
    state.change_membership(
        chat, state.user_dict(user_id), "kicked", actor=short_user(state.bot), until_date=until
    )
    chat.join_requests.pop(user_id, None)
    return True


@method("unbanChatMember")
def unban_chat_member(state: DoubleState, params: Params) -> bool:
    """Lift a ban; without ``only_if_banned`` a current member is removed too (Telegram)."""
    chat, user_id = _restrictable_target(state, params)
    status = state.member_status(chat.id, user_id)
    if status == "kicked" or (
        not _bool(params, "only_if_banned") and state.is_participant(chat.id, user_id)
    ):
        state.change_membership(chat, state.user_dict(user_id), "left", actor=short_user(state.bot))
    return True


# --------------------------------------------------------------------------- invite links


def _new_link(state: DoubleState, chat: ChatState, **fields: Any) -> InviteLink:
    link = InviteLink(
        invite_link=f"https://t.me/+{secrets.token_urlsafe(12)}",
        chat_id=chat.id,
        creator=short_user(state.bot),
        **fields,
    )
    chat.invite_links[link.invite_link] = link
    return link


def _primary_link(state: DoubleState, chat: ChatState) -> InviteLink:
    for link in chat.invite_links.values():
        if link.is_primary and not link.is_revoked:
            return link
    return _new_link(state, chat, is_primary=True)


def _link_chat(state: DoubleState, params: Params) -> ChatState:
    chat = _find_chat(state, params)
    if chat.type == "private":
        raise bad_request("Bad Request: can't invite members to a private chat")
    _require_bot_right(state, chat, "can_invite_users", errors.INVITE_RIGHTS)
    return chat


def _link_fields(state: DoubleState, params: Params) -> dict[str, Any]:
    member_limit = _opt_int(params, "member_limit")
    creates_join_request = _bool(params, "creates_join_request")
    expire_date = _opt_int(params, "expire_date")
    name = _opt_str(params, "name")
    if member_limit is not None and not 1 <= member_limit <= 99999:
        raise bad_request("Bad Request: USAGE_LIMIT_INVALID")
    if member_limit is not None and creates_join_request:
        raise bad_request(
            "Bad Request: member limit can't be specified for links requiring administrator "
            "approval"
        )
    if expire_date is not None and expire_date <= state.date():
        raise bad_request("Bad Request: EXPIRE_DATE_INVALID")
    if name is not None and len(name) > 32:
        raise bad_request("Bad Request: invite link name is too long")
    return {
        "member_limit": member_limit,
        "creates_join_request": creates_join_request,
        "expire_date": expire_date,
        "name": name or None,
    }


def _existing_link(chat: ChatState, params: Params) -> InviteLink:
    link = chat.invite_links.get(str(_require(params, "invite_link")))
    if link is None:
        raise bad_request(errors.INVITE_HASH_EXPIRED)
    return link


@method("createChatInviteLink")
def create_chat_invite_link(state: DoubleState, params: Params) -> JSON:
    chat = _link_chat(state, params)
    link = _new_link(state, chat, **_link_fields(state, params))
    return state.invite_link_dict(link)


@method("editChatInviteLink")
def edit_chat_invite_link(state: DoubleState, params: Params) -> JSON:
    chat = _link_chat(state, params)
    link = _existing_link(chat, params)
    for key, value in _link_fields(state, params).items():
        setattr(link, key, value)
    return state.invite_link_dict(link)


@method("revokeChatInviteLink")
def revoke_chat_invite_link(state: DoubleState, params: Params) -> JSON:
    chat = _link_chat(state, params)
    link = _existing_link(chat, params)
    link.is_revoked = True
    if link.is_primary:
        link.is_primary = False
        _new_link(state, chat, is_primary=True)  # Telegram replaces a revoked primary link
    return state.invite_link_dict(link)


@method("exportChatInviteLink")
def export_chat_invite_link(state: DoubleState, params: Params) -> str:
    chat = _link_chat(state, params)
    for link in chat.invite_links.values():
        if link.is_primary:
            link.is_primary = False
            link.is_revoked = True
    return _new_link(state, chat, is_primary=True).invite_link


# --------------------------------------------------------------------------- join requests


def _join_request_target(state: DoubleState, params: Params) -> tuple[ChatState, int]:
    chat = _find_chat(state, params)
    _require_not_private(chat)
    _require_bot_right(state, chat, "can_invite_users", errors.CHAT_ADMIN_REQUIRED)
    user_id = _int(params, "user_id")
    if state.member_status(chat.id, user_id) in PARTICIPANT_STATUSES:
        raise bad_request(errors.USER_ALREADY_PARTICIPANT)
    if user_id not in chat.join_requests:
        raise bad_request(errors.HIDE_REQUESTER_MISSING)
    return chat, user_id


@method("approveChatJoinRequest")
def approve_chat_join_request(state: DoubleState, params: Params) -> bool:
    chat, user_id = _join_request_target(state, params)
    request = chat.join_requests.pop(user_id)
    link = chat.invite_links.get(request.invite_link or "")
    if link is not None:
        link.joined.append(user_id)
    state.change_membership(
        chat,
        request.user,
        "member",
        actor=short_user(state.bot),
        invite_link=request.invite_link,
        via_join_request=True,
    )
    return True


@method("declineChatJoinRequest")
def decline_chat_join_request(state: DoubleState, params: Params) -> bool:
    chat, user_id = _join_request_target(state, params)
    del chat.join_requests[user_id]
    return True


def canonical_name(name: str, table: Mapping[str, Handler] | None = None) -> str | None:
    """The canonical spelling of a method name (Telegram accepts ``sendmessage`` too)."""
    wanted = name.lower()
    return next((known for known in (table or METHODS) if known.lower() == wanted), None)
