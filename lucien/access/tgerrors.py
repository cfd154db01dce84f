"""How the access lifecycle reads Telegram's answers.

Telegram's error descriptions are the only way to tell some outcomes apart (e.g. the user
is already in the channel). Everything not recognised here is treated as transient and
retried with backoff by whoever called.
"""

from __future__ import annotations

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from httpx import ConnectError, ConnectTimeout, HTTPError


def description(exc: BaseException) -> str:
    if isinstance(exc, TelegramAPIError):
        return str(exc.message)
    return f"{type(exc).__name__}: {exc}"


def _has(exc: BaseException, *needles: str) -> bool:
    text = description(exc).lower()
    return any(n.lower() in text for n in needles)


def is_transient(exc: BaseException) -> bool:
    """No definitive answer: the network failed, Telegram answered 5xx, the answer was not
    Telegram's (a proxy's 502 page), or flood control outlasted our waiting. The same call
    may well succeed later, so it is not an attempt that counts."""
    if isinstance(
        exc, TelegramNetworkError | TelegramServerError | TelegramRetryAfter | ClientDecodeError
    ):
        return True
    if isinstance(exc, TelegramAPIError):
        return False  # a definitive refusal (4xx)
    return isinstance(exc, HTTPError | OSError | TimeoutError)


def surely_not_sent(exc: BaseException) -> bool:
    """The request never reached Telegram (connection refused, no route), or Telegram
    answered 429 without doing it: sending again cannot make a duplicate."""
    if isinstance(exc, TelegramRetryAfter):
        return True
    cause = exc.__cause__ if isinstance(exc, TelegramNetworkError) else exc
    return isinstance(cause, ConnectError | ConnectTimeout | ConnectionRefusedError)


def bot_lacks_rights(exc: BaseException) -> bool:
    """Telegram refuses because the bot is no longer an administrator with the right to
    restrict members (or no longer in the channel at all)."""
    return isinstance(exc, TelegramBadRequest | TelegramForbiddenError) and _has(
        exc,
        "not enough rights",
        "CHAT_ADMIN_REQUIRED",
        "need administrator rights",
        "bot is not a member",
        "bot was kicked",
        "have no rights",
    )


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
