"""The Bot API's error answers.

Handlers raise :class:`BotApiError`; the HTTP layer turns it into exactly what Telegram
sends (the HTTP status equals ``error_code``, 429 carries ``parameters.retry_after``), so
aiogram raises the same exception class it would raise in production. The descriptions
are Telegram's own strings because the product matches on some of them (e.g. "message is
not modified", "USER_ALREADY_PARTICIPANT").
"""

from __future__ import annotations

from typing import Any, Final

NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
USER_NOT_FOUND: Final = "Bad Request: user not found"
MESSAGE_TO_EDIT_NOT_FOUND: Final = "Bad Request: message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND: Final = "Bad Request: message to delete not found"
MESSAGE_CANT_BE_EDITED: Final = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT: Final = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT: Final = "Bad Request: there is no caption in the message to edit"
TEXT_EMPTY: Final = "Bad Request: message text is empty"
TEXT_TOO_LONG: Final = "Bad Request: message is too long"
CAPTION_TOO_LONG: Final = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID: Final = "Bad Request: BUTTON_DATA_INVALID"
INVITE_RIGHTS: Final = "Bad Request: not enough rights to manage chat invite link"
RESTRICT_RIGHTS: Final = "Bad Request: not enough rights to restrict/unrestrict chat member"
CHAT_ADMIN_REQUIRED: Final = "Bad Request: CHAT_ADMIN_REQUIRED"
HIDE_REQUESTER_MISSING: Final = "Bad Request: HIDE_REQUESTER_MISSING"
USER_ALREADY_PARTICIPANT: Final = "Bad Request: USER_ALREADY_PARTICIPANT"
INVITE_HASH_EXPIRED: Final = "Bad Request: INVITE_HASH_EXPIRED"
CANT_REMOVE_OWNER: Final = "Bad Request: can't remove chat owner"
USER_IS_ADMIN: Final = "Bad Request: user is an administrator of the chat"
MEMBER_LIST_INACCESSIBLE: Final = "Bad Request: member list is inaccessible"
SUPERGROUP_AND_CHANNEL_ONLY: Final = (
    "Bad Request: method is available for supergroup and channel chats only"
)
QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
BOT_BLOCKED: Final = "Forbidden: bot was blocked by the user"
METHOD_NOT_FOUND: Final = "Not Found: method not found"
UNAUTHORIZED: Final = "Unauthorized"


class BotApiError(Exception):
    """An answer with ``"ok": false``; raised by handlers and by injected faults."""

    def __init__(self, error_code: int, description: str, **parameters: int | None) -> None:
        """``parameters`` are Telegram's ResponseParameters (``retry_after``,
        ``migrate_to_chat_id``); a ``None`` one is left out, as Telegram leaves it out."""
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = {k: v for k, v in parameters.items() if v is not None}

    def to_payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = dict(self.parameters)
        return payload


def bad_request(description: str) -> BotApiError:
    """400 with Telegram's "Bad Request: " prefix added when missing."""
    if not description.startswith("Bad Request"):
        description = f"Bad Request: {description}"
    return BotApiError(400, description)


def forbidden(description: str) -> BotApiError:
    if not description.startswith("Forbidden"):
        description = f"Forbidden: {description}"
    return BotApiError(403, description)


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
    )
