"""Real Update JSON for tests and the sandbox.

Flows are tested by posting the same JSON Telegram would post to the webhook, so every
builder returns a complete ``Update`` dict that ``aiogram.types.Update.model_validate``
accepts, with ``update_id`` increasing from a start value.

A factory may stand alone, or belong to a :class:`TelegramDouble` (``double.updates``). A
double's factory keeps the two sides of the conversation consistent: the people it
describes become known users, messages they send are stored in the chat (so ``copyMessage``
of an admin's photo copies a real photo, and message ids never collide with the bot's), a
callback is attached to the message the bot really sent (with its current text and
keyboard), and invite links the bot created appear as full ``ChatInviteLink`` objects.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Mapping
from functools import partialmethod
from typing import TYPE_CHECKING, Any, Literal

from lucien.telegram.double.formatting import utf16_len
from lucien.telegram.double.objects import (
    JSON,
    TgUser,
    document_object,
    member_object,
    photo_sizes,
    short_user,
    video_object,
)

if TYPE_CHECKING:
    from lucien.telegram.double.state import DoubleState

UserLike = TgUser | Mapping[str, Any]
ChatLike = int | Mapping[str, Any]
MediaKind = Literal["photo", "document", "video"]

DEFAULT_BOT = TgUser(777000001, "Lucien", username="LucienBot", language_code=None, is_bot=True)


def _user_dict(user: UserLike) -> JSON:
    return user.to_dict() if isinstance(user, TgUser) else short_user(user)


def _private_chat(user: JSON) -> JSON:
    chat: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    for key in ("last_name", "username"):
        if user.get(key):
            chat[key] = user[key]
    return chat


class UpdateFactory:
    """Builds Update dicts; ``update_id`` auto-increments from ``start_update_id``."""

    def __init__(
        self,
        start_update_id: int = 1,
        *,
        bot: TgUser | None = None,
        state: DoubleState | None = None,
    ) -> None:
        self._update_ids = itertools.count(start_update_id)
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, int] = {}
        self._state = state
        if bot is None and state is not None:
            bot = TgUser.from_dict(state.bot)
        self.bot = bot or DEFAULT_BOT

    # ------------------------------------------------------------------ plumbing

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def wrap(self, kind: str, payload: JSON) -> JSON:
        """An Update carrying ``payload`` under ``kind`` (e.g. ``"message"``)."""
        return {"update_id": self.next_update_id(), kind: payload}

    def _now(self) -> int:
        if self._state is not None:
            return self._state.date()
        return int(time.time())

    def _remember(self, user: UserLike) -> JSON:
        data = _user_dict(user)
        if self._state is not None:
            return dict(self._state.add_user(data))
        return data

    def _message_id(self, chat_id: int) -> int:
        if self._state is not None:
            return self._state.allocate_message_id(chat_id)
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _chat(self, chat: ChatLike | None, user: JSON) -> JSON:
        if chat is None:
            return _private_chat(user)
        if isinstance(chat, Mapping):
            return dict(chat)
        return self.chat_object(chat)

    def chat_object(self, chat_id: int, *, default_type: str = "channel") -> JSON:
        """The Chat for an id: the double's record if it has one, else a plausible one."""
        if self._state is not None and chat_id in self._state.chats:
            return self._state.chats[chat_id].to_dict()
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        return {"id": chat_id, "type": default_type, "title": f"Chat {chat_id}"}

    def invite_link_object(self, chat_id: int, link: str | Mapping[str, Any]) -> JSON:
        """A ChatInviteLink: the bot's own link in full, or a minimal one for others."""
        if isinstance(link, Mapping):
            return dict(link)
        if self._state is not None:
            known = self._state.find_invite_link(link)
            if known is not None:
                return self._state.invite_link_dict(known)
        return {
            "invite_link": link,
            "creator": self.bot.to_dict(),
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": False,
        }

    def _user_message(self, user: UserLike, chat: ChatLike | None, content: JSON) -> JSON:
        sender = self._remember(user)
        chat_data = self._chat(chat, sender)
        message: JSON = {
            "message_id": self._message_id(int(chat_data["id"])),
            "date": self._now(),
            "chat": chat_data,
            "from": sender,
            **content,
        }
        if self._state is not None:
            self._state.store_message(copy.deepcopy(message), from_bot=False)
        return message

    # ------------------------------------------------------------------ messages

    def message(
        self,
        user: UserLike,
        text: str,
        *,
        chat: ChatLike | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A text message; a leading ``/command`` gets its bot_command entity like in Telegram."""
        content: JSON = {"text": text}
        if entities is None and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        if entities:
            content["entities"] = entities
        return self.wrap("message", self._user_message(user, chat, content))

    def command(
        self,
        user: UserLike,
        command: str,
        payload: str | None = None,
        *,
        chat: ChatLike | None = None,
    ) -> JSON:
        """``/command`` or ``/command payload`` (e.g. a deep-link ``/start <token>``)."""
        name = "/" + command.lstrip("/")
        text = f"{name} {payload}" if payload else name
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(name)}]
        return self.message(user, text, chat=chat, entities=entities)

    def media_message(
        self,
        kind: MediaKind,
        user: UserLike,
        file_id: str,
        caption: str | None = None,
        caption_entities: list[JSON] | None = None,
        *,
        chat: ChatLike | None = None,
        file_name: str = "documento.pdf",
        mime_type: str = "application/pdf",
    ) -> JSON:
        """A photo, document or video from ``user``; ``file_name`` and ``mime_type`` name a
        document. ``photo_message``, ``document_message`` and ``video_message`` fix ``kind``."""
        media: JSON | list[JSON]
        if kind == "photo":
            media = photo_sizes(file_id)
        elif kind == "video":
            media = video_object(file_id)
        else:
            media = document_object(file_id, file_name=file_name, mime_type=mime_type)
        content: JSON = {kind: media}
        if caption:
            content["caption"] = caption
            if caption_entities:
                content["caption_entities"] = caption_entities
        return self.wrap("message", self._user_message(user, chat, content))

    photo_message = partialmethod(media_message, "photo")
    document_message = partialmethod(media_message, "document")
    video_message = partialmethod(media_message, "video")

    def forwarded_channel_post(
        self,
        user: UserLike,
        channel_id: int,
        channel_title: str,
        channel_username: str | None = None,
        *,
        text: str = "Publicación del canal",
        channel_message_id: int = 1,
    ) -> JSON:
        """A post from a channel forwarded to the bot in private (``forward_origin`` channel)."""
        channel: JSON = {"id": channel_id, "type": "channel", "title": channel_title}
        if channel_username:
            channel["username"] = channel_username.lstrip("@")
        content: JSON = {
            "text": text,
            "forward_origin": {
                "type": "channel",
                "chat": channel,
                "message_id": channel_message_id,
                "date": self._now() - 60,
            },
        }
        return self.wrap("message", self._user_message(user, None, content))

    # ------------------------------------------------------------------ callbacks

    def callback(
        self,
        user: UserLike,
        data: str,
        *,
        message_id: int | None = None,
        message_text: str = "Menú",
    ) -> JSON:
        """A button press on a bot message in the user's private chat.

        With a double, ``message_id`` defaults to the bot's latest message there and the
        message is the one actually stored (current text and keyboard). Without one, or
        for an id the double never saw, a bot message with ``message_text`` is made up
        (and, with a double, stored so the bot can edit it).
        """
        sender = self._remember(user)
        chat_id = int(sender["id"])
        message = self._callback_message(sender, message_id, message_text)
        query_id = f"{chat_id}{next(self._callback_ids):08d}"
        if self._state is not None:
            self._state.issued_callback_ids.add(query_id)
        payload: JSON = {
            "id": query_id,
            "from": sender,
            "message": message,
            "chat_instance": str(chat_id * 7919 % 10**12),
            "data": data,
        }
        return self.wrap("callback_query", payload)

    def _callback_message(self, sender: JSON, message_id: int | None, text: str) -> JSON:
        chat_id = int(sender["id"])
        state = self._state
        if state is not None:
            state.private_chat(chat_id)
            wanted = message_id if message_id is not None else state.last_bot_message_id(chat_id)
            stored = state.find_message(chat_id, wanted) if wanted is not None else None
            if stored is not None:
                return copy.deepcopy(stored.message)
            message_id = wanted
        message: JSON = {
            "message_id": message_id if message_id is not None else self._message_id(chat_id),
            "date": self._now() - 5,
            "chat": _private_chat(sender),
            "from": self.bot.to_dict(),
            "text": text,
        }
        if state is not None:
            state.store_message(copy.deepcopy(message), from_bot=True, record_as_sent=False)
        return message

    # ------------------------------------------------------------------ chat membership

    def chat_join_request(
        self,
        chat_id: int,
        user: UserLike,
        *,
        invite_link: str | Mapping[str, Any] | None = None,
        bio: str | None = None,
    ) -> JSON:
        """Someone asked to join a chat with "approve new members" on."""
        requester = self._remember(user)
        payload: JSON = {
            "chat": self.chat_object(chat_id),
            "from": requester,
            "user_chat_id": requester["id"],
            "date": self._now(),
        }
        if bio is not None:
            payload["bio"] = bio
        if invite_link is not None:
            payload["invite_link"] = self.invite_link_object(chat_id, invite_link)
        return self.wrap("chat_join_request", payload)

    def chat_member(
        self,
        chat_id: int,
        user: UserLike,
        old_status: str,
        new_status: str,
        *,
        invite_link: str | Mapping[str, Any] | None = None,
        from_user: UserLike | None = None,
        via_join_request: bool | None = None,
    ) -> JSON:
        """A member's status changed (join: ``"left"`` → ``"member"``)."""
        member = self._remember(user)
        payload = self._member_update(
            chat_id, member, old_status, new_status, from_user=from_user or member
        )
        if invite_link is not None:
            payload["invite_link"] = self.invite_link_object(chat_id, invite_link)
        if via_join_request is not None:
            payload["via_join_request"] = via_join_request
        return self.wrap("chat_member", payload)

    def my_chat_member(
        self,
        chat_id: int,
        old_status: str,
        new_status: str,
        *,
        from_user: UserLike,
        rights: Mapping[str, bool] | None = None,
    ) -> JSON:
        """The bot's own status changed (added to a channel, promoted, removed)."""
        payload = self._member_update(
            chat_id, self.bot.to_dict(), old_status, new_status, from_user=from_user, rights=rights
        )
        return self.wrap("my_chat_member", payload)

    def _member_update(
        self,
        chat_id: int,
        member: JSON,
        old_status: str,
        new_status: str,
        *,
        from_user: UserLike,
        rights: Mapping[str, bool] | None = None,
    ) -> JSON:
        chat = self.chat_object(chat_id)
        chat_type = str(chat["type"])
        return {
            "chat": chat,
            "from": self._remember(from_user),
            "date": self._now(),
            "old_chat_member": member_object(member, old_status, chat_type=chat_type),
            "new_chat_member": member_object(
                member, new_status, chat_type=chat_type, rights=rights
            ),
        }

    # ------------------------------------------------------------------ payments

    def pre_checkout_query(
        self,
        user: UserLike,
        query_id: str,
        invoice_payload: str,
        total_amount: int,
        *,
        currency: str = "XTR",
    ) -> JSON:
        """Telegram asks the bot to confirm a checkout (it must answer within 10 s)."""
        payload: JSON = {
            "id": query_id,
            "from": self._remember(user),
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": invoice_payload,
        }
        return self.wrap("pre_checkout_query", payload)

    def successful_payment(
        self,
        user: UserLike,
        invoice_payload: str,
        total_amount: int,
        charge_id: str,
        *,
        currency: str = "XTR",
        subscription_period: int | None = None,
    ) -> JSON:
        """The service message in the payer's private chat once the Stars are charged."""
        payment: JSON = {
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": invoice_payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        }
        if subscription_period is not None:
            payment["subscription_expiration_date"] = self._now() + subscription_period
            payment["is_recurring"] = True
            payment["is_first_recurring"] = True
        content: JSON = {"successful_payment": payment}
        return self.wrap("message", self._user_message(user, None, content))
