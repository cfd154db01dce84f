"""How the access lifecycle reads Telegram's answers.

Telegram's error descriptions are the only way to tell some outcomes apart (e.g. the user
is already in the channel). Everything not recognised here is treated as transient and
retried with backoff by whoever called.
"""

from __future__ import annotations

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)


def description(exc: BaseException) -> str:
    if isinstance(exc, TelegramAPIError):
        return str(exc.message)
    return f"{type(exc).__name__}: {exc}"


def _has(exc: BaseException, *needles: str) -> bool:
    text = description(exc).lower()
    return any(n.lower() in text for n in needles)


def is_forbidden(exc: BaseException) -> bool:
    """403: the user blocked the bot or never started it."""
    return isinstance(exc, TelegramForbiddenError)


def member_already_gone(exc: BaseException) -> bool:
    """A ban/unban answer meaning "nobody to remove": counts as done."""
    return isinstance(exc, TelegramBadRequest | TelegramNotFound) and _has(
        exc,
        "user not found",
        "USER_NOT_PARTICIPANT",
        "PARTICIPANT_ID_INVALID",
        "user is not a member",
        "member not found",
        "USER_ID_INVALID",
    )


def member_cannot_be_removed(exc: BaseException) -> bool:
    """The user is the owner or an administrator of the channel: nothing to retry."""
    return isinstance(exc, TelegramBadRequest) and _has(
        exc,
        "can't remove chat owner",
        "user is an administrator",
        "USER_ADMIN_INVALID",
        "CHAT_ADMIN_INVITE_REQUIRED",
    )


def join_request_closed(exc: BaseException) -> bool:
    """Terminal answers to approveChatJoinRequest: the request no longer needs us."""
    return isinstance(exc, TelegramBadRequest | TelegramNotFound) and _has(
        exc,
        "USER_ALREADY_PARTICIPANT",
        "HIDE_REQUESTER_MISSING",
        "request not found",
        "REQUEST_NOT_FOUND",
        "user not found",
        "USER_CHANNELS_TOO_MUCH",
    )


def invite_link_gone(exc: BaseException) -> bool:
    """Revoking a link that expired or no longer exists: already as good as revoked."""
    return isinstance(exc, TelegramBadRequest | TelegramNotFound) and _has(
        exc,
        "INVITE_HASH_EXPIRED",
        "INVITE_HASH_INVALID",
        "invite link not found",
        "link not found",
        "LINK_NOT_MODIFIED",
        "INVITE_REVOKED_MISSING",
    )
