"""What the double remembers about its little Telegram world.

Chats (with members, messages, invite links and join requests), known users, the
webhook registration, command lists and callback answers. Handlers in ``methods.py`` read
and change this state; tests and the sandbox arrange it with the public helpers below
(``add_chat``, ``set_bot_admin``, ``set_member``…) and read it back (``sent_messages``,
``member_status``…).

Everything runs on one event loop and handlers never await while they mutate, so no locks
are needed: each Bot API call is applied atomically, as Telegram would.

A newly added group or channel does not contain the bot: call ``set_bot_admin`` or
``set_bot_member`` first, exactly as a creator has to add the bot in real life. That is
what lets the product's "verify the bot can manage the channel" check be tested honestly.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lucien.telegram.double.objects import (
    DEFAULT_ADMIN_RIGHTS,
    JSON,
    PARTICIPANT_STATUSES,
    MemberStatus,
    TgUser,
    bot_user_dict,
    member_object,
    placeholder_user,
    short_user,
)
from lucien.telegram.double.stars import StarsState

UserRef = TgUser | Mapping[str, Any] | int


@dataclass
class Member:
    """One user's standing in one chat."""

    user: JSON
    status: str
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0
    is_member: bool = True
    custom_title: str | None = None

    def effective_rights(self) -> dict[str, bool]:
        """Rights as Telegram would check them (owners can do everything)."""
        if self.status == "creator":
            return {name: True for name in DEFAULT_ADMIN_RIGHTS}
        if self.status == "administrator":
            return {**DEFAULT_ADMIN_RIGHTS, **self.rights}
        return {}


@dataclass
class InviteLink:
    """A chat invite link and what happened to it."""

    invite_link: str
    chat_id: int
    creator: JSON
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    joined: list[int] = field(default_factory=list)

    def to_dict(self, *, pending_join_requests: int = 0) -> JSON:
        data: JSON = {
            "invite_link": self.invite_link,
            "creator": short_user(self.creator),
            "creates_join_request": self.creates_join_request,
            "is_primary": self.is_primary,
            "is_revoked": self.is_revoked,
        }
        if self.name is not None:
            data["name"] = self.name
        if self.expire_date is not None:
            data["expire_date"] = self.expire_date
        if self.member_limit is not None:
            data["member_limit"] = self.member_limit
        if self.creates_join_request:
            data["pending_join_request_count"] = pending_join_requests
        return data

    def usable(self, now: int) -> bool:
        """Whether a person could still join through this link right now."""
        if self.is_revoked:
            return False
        if self.expire_date is not None and self.expire_date <= now:
            return False
        return self.member_limit is None or len(self.joined) < self.member_limit


@dataclass
class JoinRequest:
    user: JSON
    date: int
    invite_link: str | None = None
    bio: str | None = None


@dataclass
class StoredMessage:
    """A message as it is now (edits applied), plus facts Telegram would not echo back."""

    message: JSON
    from_bot: bool
    deleted: bool = False
    copied_from: tuple[int | str, int] | None = None
    #: A reply/remove keyboard the bot attached: Telegram never returns it in Message.
    reply_keyboard: JSON | None = None


@dataclass
class MemberChange:
    """A membership change caused by a Bot API call (rendered later as a chat_member update)."""

    chat_id: int
    user: JSON
    old_status: str
    new_status: str
    actor: JSON
    invite_link: str | None = None
    via_join_request: bool | None = None


@dataclass
class ChatState:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    description: str | None = None
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_message_id: int = 0
    invite_links: dict[str, InviteLink] = field(default_factory=dict)
    join_requests: dict[int, JoinRequest] = field(default_factory=dict)

    def to_dict(self) -> JSON:
        """The short ``Chat`` object embedded in messages and updates."""
        data: JSON = {"id": self.id, "type": self.type}
        names: dict[str, str | None]
        if self.type == "private":
            names = {
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
            }
        else:
            names = {"title": self.title, "username": self.username}
        data.update({k: v for k, v in names.items() if v is not None})
        return data

    def pending_for(self, link: str) -> int:
        return sum(1 for r in self.join_requests.values() if r.invite_link == link)


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    pending_update_count: int = 0
    last_error_date: int | None = None
    last_error_message: str | None = None


def scope_key(scope: Mapping[str, Any] | None) -> str:
    """A stable key for a BotCommandScope (ids normalised to ints)."""
    data = dict(scope or {"type": "default"})
    for key in ("chat_id", "user_id"):
        value = data.get(key)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            data[key] = int(value)
    return json.dumps(data, sort_keys=True)


class DoubleState:
    """The double's Telegram world; :class:`TelegramDouble` adds HTTP and recording."""

    def __init__(
        self, *, bot_id: int = 777000001, bot_username: str = "LucienBot", bot_name: str = "Lucien"
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        #: Clock used for every date the double produces; tests may replace it.
        self.now: Callable[[], float] = time.time
        self._reset_state()

    def _reset_state(self) -> None:
        self.bot: JSON = bot_user_dict(self.bot_id, self.bot_username, self.bot_name)
        self.users: dict[int, JSON] = {self.bot_id: short_user(self.bot)}
        self.chats: dict[int, ChatState] = {}
        self.blocked_by: set[int] = set()
        self.webhook = WebhookState()
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.bot_profile: dict[str, Any] = {}
        self.callback_answers: list[JSON] = []
        self.issued_callback_ids: set[str] = set()
        self.answered_callback_ids: set[str] = set()
        self.files: dict[str, tuple[str, Any]] = {}
        self.member_changes: list[MemberChange] = []
        self._sent: list[tuple[int, int]] = []
        #: Updates waiting for ``getUpdates`` (long polling), oldest first.
        self.update_queue: list[JSON] = []
        #: Invoices, checkouts, charges and Stars transactions (``payments.py``).
        self.stars_state = StarsState()

    # ----------------------------------------------------------------- time and users

    def date(self) -> int:
        """Now as the Bot API writes dates: integer unix seconds."""
        return int(self.now())

    def add_user(self, user: TgUser | Mapping[str, Any]) -> JSON:
        """Remember a person so later objects carry their real name."""
        data = user.to_dict() if isinstance(user, TgUser) else short_user(user)
        self.users[int(data["id"])] = data
        private = self.chats.get(int(data["id"]))
        if private is not None and private.type == "private":
            private.first_name = data.get("first_name")
            private.last_name = data.get("last_name")
            private.username = data.get("username")
        return data

    def user_dict(self, user: UserRef) -> JSON:
        """A User object for an id, a TgUser or a dict (unknown ids get a placeholder name)."""
        if isinstance(user, TgUser):
            return self.users.get(user.id) or self.add_user(user)
        if isinstance(user, Mapping):
            return self.users.get(int(user["id"])) or self.add_user(user)
        return self.users.get(int(user)) or placeholder_user(int(user))

    # ----------------------------------------------------------------- chats

    def add_chat(
        self,
        chat_id: int,
        type: str = "channel",
        *,
        title: str | None = None,
        username: str | None = None,
        description: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> ChatState:
        """Create (or update) a chat. Groups and channels start without the bot in them."""
        if type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatState(id=chat_id, type=type)
            self.chats[chat_id] = chat
        chat.type = type
        if type == "private":
            known = self.users.get(chat_id, {})
            chat.first_name = first_name or known.get("first_name") or f"User {chat_id}"
            chat.last_name = last_name or known.get("last_name")
            chat.username = username or known.get("username")
            # Both sides of a private chat are its members.
            chat.members.setdefault(chat_id, Member(self.user_dict(chat_id), "member"))
            chat.members.setdefault(self.bot_id, Member(short_user(self.bot), "member"))
        else:
            chat.title = title or chat.title or f"Chat {chat_id}"
            chat.username = username.lstrip("@") if username else chat.username
        if description is not None:
            chat.description = description
        return chat

    def chat(self, chat_id: int) -> ChatState:
        """The chat with this id (``KeyError`` if the double does not know it)."""
        return self._chat_or_raise(chat_id)

    def find_chat(self, ref: int | str) -> ChatState | None:
        """Look a chat up by id or ``@username``, as Bot API ``chat_id`` parameters allow."""
        if isinstance(ref, int):
            return self.chats.get(ref)
        text = str(ref).strip()
        if text.lstrip("-").isdigit():
            return self.chats.get(int(text))
        wanted = text.lstrip("@").lower()
        return next(
            (c for c in self.chats.values() if c.username and c.username.lower() == wanted), None
        )

    def private_chat(self, user_id: int) -> ChatState:
        """The bot's private chat with a user, created on first use."""
        chat = self.chats.get(user_id)
        if chat is None or chat.type != "private":
            chat = self.add_chat(user_id, "private")
        return chat

    def _chat_or_raise(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise KeyError(f"the double has no chat {chat_id}; call add_chat() first")
        return chat

    # ----------------------------------------------------------------- membership

    def set_member(
        self,
        chat_id: int,
        user: UserRef,
        status: MemberStatus = "member",
        *,
        until_date: int = 0,
        custom_title: str | None = None,
        **rights: bool,
    ) -> None:
        """Put a user in a chat with a status (rights apply to administrators/restricted)."""
        self._put_member(
            chat_id, user, status, rights=rights, until_date=until_date, custom_title=custom_title
        )

    def _put_member(
        self,
        chat_id: int,
        user: UserRef,
        status: str,
        *,
        rights: Mapping[str, bool] | None = None,
        until_date: int = 0,
        custom_title: str | None = None,
    ) -> None:
        chat = self._chat_or_raise(chat_id)
        data = self.user_dict(user)
        if status == "left":
            chat.members.pop(int(data["id"]), None)
            return
        chat.members[int(data["id"])] = Member(
            data, status, dict(rights or {}), until_date=until_date, custom_title=custom_title
        )

    def set_owner(self, chat_id: int, user: UserRef) -> None:
        self.set_member(chat_id, user, "creator")

    def set_bot_admin(
        self,
        chat_id: int,
        *,
        can_invite_users: bool = True,
        can_restrict_members: bool = True,
        can_post_messages: bool = True,
        **rights: bool,
    ) -> None:
        """Make the bot an administrator; unnamed rights take usual defaults."""
        granted = {
            **rights,
            "can_invite_users": can_invite_users,
            "can_restrict_members": can_restrict_members,
            "can_post_messages": can_post_messages,
        }
        self._put_member(chat_id, self.bot, "administrator", rights=granted)

    def set_bot_member(self, chat_id: int) -> None:
        """The bot is in the chat without any administrator rights."""
        self._put_member(chat_id, self.bot, "member")

    def remove_bot(self, chat_id: int) -> None:
        self._put_member(chat_id, self.bot, "left")

    def member(self, chat_id: int, user_id: int) -> Member | None:
        chat = self.chats.get(chat_id)
        return chat.members.get(user_id) if chat is not None else None

    def member_status(self, chat_id: int, user_id: int) -> str:
        """``creator``/``administrator``/``member``/``restricted``/``left``/``kicked``."""
        found = self.member(chat_id, user_id)
        return found.status if found is not None else "left"

    def is_participant(self, chat_id: int, user_id: int) -> bool:
        found = self.member(chat_id, user_id)
        if found is None:
            return False
        if found.status == "restricted":
            return found.is_member
        return found.status in PARTICIPANT_STATUSES

    def member_dict(self, chat: ChatState, user_id: int) -> JSON:
        """The ChatMember object Telegram would return for this user in this chat."""
        found = chat.members.get(user_id)
        if found is None:
            return member_object(self.user_dict(user_id), "left", chat_type=chat.type)
        return member_object(
            found.user,
            found.status,
            chat_type=chat.type,
            rights=found.rights,
            until_date=found.until_date,
            is_member=found.is_member,
            custom_title=found.custom_title,
        )

    def banned_users(self, chat_id: int) -> list[int]:
        chat = self._chat_or_raise(chat_id)
        return [uid for uid, m in chat.members.items() if m.status == "kicked"]

    def block_bot(self, user_id: int) -> None:
        """The user blocked the bot: sends to them answer 403 until :meth:`unblock_bot`."""
        self.blocked_by.add(user_id)

    def unblock_bot(self, user_id: int) -> None:
        self.blocked_by.discard(user_id)

    def change_membership(
        self,
        chat: ChatState,
        user: JSON,
        new_status: str,
        *,
        actor: JSON,
        invite_link: str | None = None,
        via_join_request: bool | None = None,
        until_date: int = 0,
    ) -> MemberChange:
        """Move a user to a new status and remember the change (for chat_member updates)."""
        user_id = int(user["id"])
        old_status = self.member_status(chat.id, user_id)
        if new_status == "left":
            chat.members.pop(user_id, None)
        else:
            chat.members[user_id] = Member(user, new_status, until_date=until_date)
        change = MemberChange(
            chat.id, user, old_status, new_status, actor, invite_link, via_join_request
        )
        self.member_changes.append(change)
        return change

    # ----------------------------------------------------------------- join requests, links

    def add_join_request(
        self,
        chat_id: int,
        user: UserRef,
        *,
        invite_link: str | None = None,
        bio: str | None = None,
    ) -> JoinRequest:
        """Record a pending join request (Telegram keeps one per user and chat)."""
        chat = self._chat_or_raise(chat_id)
        data = self.user_dict(user)
        request = JoinRequest(data, self.date(), invite_link, bio)
        chat.join_requests[int(data["id"])] = request
        return request

    def pending_join_requests(self, chat_id: int) -> list[int]:
        return list(self._chat_or_raise(chat_id).join_requests)

    def find_invite_link(self, link: str) -> InviteLink | None:
        for chat in self.chats.values():
            if link in chat.invite_links:
                return chat.invite_links[link]
        return None

    def invite_link_dict(self, link: InviteLink) -> JSON:
        chat = self.chats.get(link.chat_id)
        pending = chat.pending_for(link.invite_link) if chat is not None else 0
        return link.to_dict(pending_join_requests=pending)

    def invite_links(self, chat_id: int) -> list[JSON]:
        """Every link the bot created or exported in this chat, revoked ones included."""
        chat = self._chat_or_raise(chat_id)
        return [self.invite_link_dict(link) for link in chat.invite_links.values()]

    # ----------------------------------------------------------------- messages

    def allocate_message_id(self, chat_id: int) -> int:
        """Next message id in a chat: ids are per chat and shared by both sides, as in Telegram."""
        chat = self.chats.get(chat_id) or (
            self.private_chat(chat_id) if chat_id > 0 else self.add_chat(chat_id, "supergroup")
        )
        chat.last_message_id += 1
        return chat.last_message_id

    def store_message(
        self,
        message: JSON,
        *,
        from_bot: bool,
        record_as_sent: bool = True,
        copied_from: tuple[int | str, int] | None = None,
        reply_keyboard: JSON | None = None,
    ) -> StoredMessage:
        """Keep a message in its chat (creating the chat from the message if needed)."""
        chat_data = message["chat"]
        chat_id = int(chat_data["id"])
        chat = self.chats.get(chat_id)
        if chat is None:
            if chat_data.get("type") == "private":
                chat = self.private_chat(chat_id)
            else:
                chat = self.add_chat(
                    chat_id,
                    str(chat_data.get("type", "supergroup")),
                    title=chat_data.get("title"),
                    username=chat_data.get("username"),
                )
        message_id = int(message["message_id"])
        chat.last_message_id = max(chat.last_message_id, message_id)
        stored = StoredMessage(message, from_bot, copied_from=copied_from)
        stored.reply_keyboard = reply_keyboard
        chat.messages[message_id] = stored
        if from_bot and record_as_sent:
            self._sent.append((chat_id, message_id))
        self._remember_files(message)
        return stored

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        stored = chat.messages.get(message_id)
        return stored if stored is not None and not stored.deleted else None

    def last_bot_message_id(self, chat_id: int) -> int | None:
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        ids = [mid for mid, s in chat.messages.items() if s.from_bot and not s.deleted]
        return max(ids) if ids else None

    def messages(self, chat_id: int) -> list[JSON]:
        """The chat's history as it stands (both sides, deleted messages left out)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [copy.deepcopy(s.message) for _, s in sorted(chat.messages.items()) if not s.deleted]

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot sent or copied, oldest first, as they are now (edits applied).

        Deleted messages are left out. Two keys Telegram would not return are added for
        inspection: ``copied_from`` (``{"chat_id", "message_id"}`` of a copy's source) and
        a non-inline ``reply_markup`` (reply keyboards are never echoed in a Message).
        """
        result: list[JSON] = []
        for sent_chat_id, message_id in self._sent:
            if chat_id is not None and sent_chat_id != chat_id:
                continue
            stored = self.chats[sent_chat_id].messages.get(message_id)
            if stored is None or stored.deleted:
                continue
            view = copy.deepcopy(stored.message)
            if stored.copied_from is not None:
                source_chat, source_id = stored.copied_from
                view["copied_from"] = {"chat_id": source_chat, "message_id": source_id}
            if stored.reply_keyboard is not None and "reply_markup" not in view:
                view["reply_markup"] = copy.deepcopy(stored.reply_keyboard)
            result.append(view)
        return result

    def last_message(self, chat_id: int) -> JSON | None:
        """The most recent message the bot sent to this chat that still exists."""
        sent = self.sent_messages(chat_id)
        return sent[-1] if sent else None

    def _remember_files(self, message: Mapping[str, Any]) -> None:
        """Index media by file id so re-sending a ``file_id`` returns the same object."""
        photo = message.get("photo")
        if isinstance(photo, list):
            for size in photo:
                self.files[str(size["file_id"])] = ("photo", photo)
        for kind in ("document", "video", "animation", "audio", "voice"):
            media = message.get(kind)
            if isinstance(media, Mapping):
                self.files[str(media["file_id"])] = (kind, dict(media))

    # ----------------------------------------------------------------- webhook, commands

    def queue_update(self, update: JSON) -> None:
        """Make ``update`` available to ``getUpdates`` (what a polling bot receives)."""
        self.update_queue.append(update)

    def set_pending_update_count(self, count: int) -> None:
        """What ``getWebhookInfo`` reports as waiting (e.g. updates queued while down)."""
        self.webhook.pending_update_count = count

    def set_webhook_error(self, message: str | None, *, date: int | None = None) -> None:
        """Make ``getWebhookInfo`` report a delivery error (``None`` clears it)."""
        self.webhook.last_error_message = message
        self.webhook.last_error_date = None if message is None else (date or self.date())

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSON]:
        """The command list registered for exactly this scope and language."""
        return copy.deepcopy(self.commands.get((scope_key(scope), language_code or ""), []))
