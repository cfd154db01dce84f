"""Builders for Bot API objects as plain JSON dicts.

Everything the double answers or puts into an update is built here, so the shapes live in
one place and stay complete: aiogram validates every result into its pydantic types, and a
missing required field (aiogram 3.31 requires e.g. ``can_send_welcome_messages`` on an
administrator) would surface as a confusing ``ClientDecodeError`` far from its cause.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

JSON = dict[str, Any]

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]

#: Statuses that count as "in the chat" (Telegram's USER_ALREADY_PARTICIPANT, etc.).
PARTICIPANT_STATUSES: Final = frozenset({"creator", "administrator", "member", "restricted"})

#: Administrator rights aiogram requires on every ``ChatMemberAdministrator``.
ADMIN_REQUIRED_RIGHTS: Final = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)
#: Rights Telegram only reports for channels.
ADMIN_CHANNEL_RIGHTS: Final = (
    "can_post_messages",
    "can_edit_messages",
    "can_manage_direct_messages",
)
#: Rights Telegram only reports for groups and supergroups.
ADMIN_GROUP_RIGHTS: Final = ("can_pin_messages", "can_manage_topics")

#: What a freshly promoted bot usually gets: enough to run a channel, nothing exotic.
DEFAULT_ADMIN_RIGHTS: Final[Mapping[str, bool]] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_manage_direct_messages": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}

#: Permissions aiogram requires on every ``ChatMemberRestricted``.
RESTRICTED_REQUIRED_PERMISSIONS: Final = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


@dataclass(frozen=True)
class TgUser:
    """A Telegram user as tests and the sandbox describe people (``.to_dict()`` → User)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "es"
    is_bot: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TgUser:
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or f"User {data['id']}"),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code"),
            is_bot=bool(data.get("is_bot", False)),
        )


def bot_user_dict(bot_id: int, username: str, first_name: str = "Lucien") -> JSON:
    """The bot as ``getMe`` describes it (the extra flags are what BotFather defaults to)."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def placeholder_user(user_id: int) -> JSON:
    """A user the double never saw: Telegram would know the name, the double invents one."""
    return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}


def short_user(user: Mapping[str, Any]) -> JSON:
    """The User object embedded in messages (``getMe``-only flags are not repeated there)."""
    keys = ("id", "is_bot", "first_name", "last_name", "username", "language_code")
    return {k: user[k] for k in keys if user.get(k) is not None}


def file_unique_id(file_id: str) -> str:
    """Telegram's ``file_unique_id`` is stable per file; derive one from the file id."""
    return "AQAD" + hashlib.sha1(file_id.encode()).hexdigest()[:12]


def photo_sizes(file_id: str, *, file_size: int | None = None) -> list[JSON]:
    """Photos come as several sizes; the last (largest) carries the given ``file_id``.

    Bots conventionally re-send ``message.photo[-1].file_id``, so that one must be the id
    the caller knows.
    """
    sizes: list[JSON] = []
    for suffix, (width, height) in (("s", (90, 67)), ("m", (320, 240))):
        small_id = f"{file_id}-{suffix}"
        sizes.append(
            {
                "file_id": small_id,
                "file_unique_id": file_unique_id(small_id),
                "width": width,
                "height": height,
                "file_size": width * height // 10,
            }
        )
    sizes.append(
        {
            "file_id": file_id,
            "file_unique_id": file_unique_id(file_id),
            "width": 1280,
            "height": 960,
            "file_size": file_size or 125_000,
        }
    )
    return sizes


def document_object(
    file_id: str,
    *,
    file_name: str | None = "document.pdf",
    mime_type: str | None = "application/pdf",
    file_size: int | None = None,
) -> JSON:
    data: JSON = {
        "file_id": file_id,
        "file_unique_id": file_unique_id(file_id),
        "file_size": file_size or 48_000,
    }
    if file_name is not None:
        data["file_name"] = file_name
    if mime_type is not None:
        data["mime_type"] = mime_type
    return data


def video_object(
    file_id: str,
    *,
    duration: int = 12,
    file_name: str | None = None,
    file_size: int | None = None,
) -> JSON:
    data: JSON = {
        "file_id": file_id,
        "file_unique_id": file_unique_id(file_id),
        "width": 1280,
        "height": 720,
        "duration": duration,
        "mime_type": "video/mp4",
        "file_size": file_size or 2_400_000,
    }
    if file_name is not None:
        data["file_name"] = file_name
    return data


def member_object(
    user: Mapping[str, Any],
    status: str,
    *,
    chat_type: str = "channel",
    rights: Mapping[str, bool] | None = None,
    until_date: int = 0,
    is_member: bool = True,
    custom_title: str | None = None,
) -> JSON:
    """A ChatMember of the given status with every field aiogram requires for it."""
    data: JSON = {"status": status, "user": short_user(user)}
    given = dict(rights or {})
    if status == "creator":
        data["is_anonymous"] = bool(given.get("is_anonymous", False))
    elif status == "administrator":
        merged = {**DEFAULT_ADMIN_RIGHTS, **given}
        wanted = ADMIN_REQUIRED_RIGHTS + (
            ADMIN_CHANNEL_RIGHTS if chat_type == "channel" else ADMIN_GROUP_RIGHTS
        )
        data.update({name: bool(merged.get(name, False)) for name in wanted})
    elif status == "restricted":
        data["is_member"] = is_member
        data.update(
            {name: bool(given.get(name, False)) for name in RESTRICTED_REQUIRED_PERMISSIONS}
        )
        data["until_date"] = until_date
    elif status == "kicked":
        data["until_date"] = until_date
    if custom_title is not None and status in ("creator", "administrator"):
        data["custom_title"] = custom_title
    return data


def accepted_gift_types() -> JSON:
    """Required on ChatFullInfo since Bot API 9.0; the values do not matter to the bot."""
    return {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }
