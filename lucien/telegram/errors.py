"""What Telegram's (and the database's) refusals mean: the one place that reads them.

Two questions are answered here. *Per call*: some answers only say that the work is
already as good as done (the user is already gone, the link already revoked); the access
lifecycle and the cron match on them. *Per update*: a failure is either **permanent** —
running the update again can never succeed (a 403, "query is too old", "chat not found",
data the database will never accept) — and the update is settled with 200 and a log line
naming the reason; or **transient** (network errors, truncated or non-JSON answers, 5xx,
429 beyond the update's budget, anything not recognised) and the update is answered
non-2xx so Telegram delivers it again. Unrecognised refusals stay transient on purpose:
the poison-update guard turns a repeating one into a dead letter the owner is told about,
instead of silently dropping work on a guess.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import UnionType

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy.exc import DataError

#: 400 answers that mean "the thing this update refers to is gone or never was":
#: the same request will be refused on every redelivery.
PERMANENT_BAD_REQUESTS = (
    "query is too old",
    "query id is invalid",
    "message to edit not found",
    "message to delete not found",
    "message can't be edited",
    "message can't be deleted",
    "message is not modified",
    "chat not found",
    "user not found",
    "bot can't initiate conversation",
    "bot was kicked",
    "have no rights to send a message",
    "not enough rights to send",
    "chat_write_forbidden",
    "peer_id_invalid",
    "user_is_deactivated",
    "replied message not found",
    "message to reply not found",
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


@dataclass(frozen=True)
class Refusal:
    """One kind of refusal, read the one way: the exception aiogram raised is one of
    ``kinds`` and Telegram's description carries one of ``words`` (case folded)."""

    kinds: type[BaseException] | UnionType
    words: tuple[str, ...]

    def __call__(self, exc: BaseException) -> bool:
        return isinstance(exc, self.kinds) and _has(exc, *self.words)


_GONE = TelegramBadRequest | TelegramNotFound

#: A ban/unban answer meaning "nobody to remove": counts as done.
member_already_gone = Refusal(
    _GONE,
    (
        "user not found",
        "USER_NOT_PARTICIPANT",
        "PARTICIPANT_ID_INVALID",
        "user is not a member",
        "member not found",
        "USER_ID_INVALID",
    ),
)

#: The user is the owner or an administrator of the channel: nothing to retry.
member_cannot_be_removed = Refusal(
    TelegramBadRequest,
    (
        "can't remove chat owner",
        "user is an administrator",
        "USER_ADMIN_INVALID",
        "CHAT_ADMIN_INVITE_REQUIRED",
    ),
)

#: Terminal answers to approveChatJoinRequest: the request no longer needs us.
join_request_closed = Refusal(
    _GONE,
    (
        "USER_ALREADY_PARTICIPANT",
        "HIDE_REQUESTER_MISSING",
        "request not found",
        "REQUEST_NOT_FOUND",
        "user not found",
        "USER_CHANNELS_TOO_MUCH",
    ),
)

#: Revoking a link that expired or no longer exists: already as good as revoked.
invite_link_gone = Refusal(
    _GONE,
    (
        "INVITE_HASH_EXPIRED",
        "INVITE_HASH_INVALID",
        "invite link not found",
        "link not found",
        "LINK_NOT_MODIFIED",
        "INVITE_REVOKED_MISSING",
    ),
)

#: answerCallbackQuery refused because the query is too old (a redelivered press).
callback_query_expired = Refusal(TelegramBadRequest, ("query is too old", "query id is invalid"))

#: refundStarPayment for a charge Telegram has already given back: the refund is done
#: (an earlier attempt whose answer was lost, or another custodian's press).
charge_already_refunded = Refusal(TelegramBadRequest, ("CHARGE_ALREADY_REFUNDED",))


def permanent_reason(exc: BaseException) -> str | None:
    """Why running the update again can never succeed, or ``None`` (transient: retry)."""
    if isinstance(exc, TelegramForbiddenError):
        return f"Telegram refused (403): {exc.message}"
    if isinstance(exc, TelegramMigrateToChat):
        return f"the chat became a supergroup: {exc.message}"
    if isinstance(exc, TelegramBadRequest) and _has(exc, *PERMANENT_BAD_REQUESTS):
        return f"Telegram refused (400): {exc.message}"
    if isinstance(exc, DataError):
        # SQLSTATE class 22 (PostgreSQL) or its equivalent: the values themselves are
        # unacceptable, so the same update fails the same way every time.
        return f"the database refused the data: {type(exc.orig).__name__}"
    return None


# -- the cron: which failures are attempts -------------------------------------------------


def is_outage(exc: BaseException) -> bool:
    """No definitive answer: the network failed, Telegram answered 5xx, the answer was not
    Telegram's (a proxy's 502 page), or flood control outlasted our waiting. The same call
    may well succeed later, so for the cron it is not an attempt that counts (a 4xx is a
    definitive refusal, recognised or not)."""
    if isinstance(
        exc, TelegramNetworkError | TelegramServerError | TelegramRetryAfter | ClientDecodeError
    ):
        return True
    if isinstance(exc, TelegramAPIError):
        return False
    return isinstance(exc, (OSError, TimeoutError, *_httpx("HTTPError")))


def surely_not_sent(exc: BaseException) -> bool:
    """The request never reached Telegram (connection refused, no route), or Telegram
    answered 429 without doing it: sending again cannot make a duplicate."""
    if isinstance(exc, TelegramRetryAfter):
        return True
    cause = exc.__cause__ if isinstance(exc, TelegramNetworkError) else exc
    return isinstance(cause, (ConnectionRefusedError, *_httpx("ConnectError", "ConnectTimeout")))


def _httpx(*names: str) -> tuple[type[BaseException], ...]:
    """httpx's exception classes named, once httpx is loaded. Only the session with an
    injected transport (tests, sandbox) uses httpx, and the webhook does not import it
    (~0.15 s of a cold start with the CLI extras it pulls in); an exception of a module that
    was never imported cannot have been raised."""
    module = sys.modules.get("httpx")
    return tuple(getattr(module, name) for name in names) if module is not None else ()
