"""The Telegram double as an ASGI app: Bot API routes, call recording, fault injection.

``TelegramDouble`` is the state (``state.DoubleState``) with an HTTP face:

* ``POST|GET /bot{token}/{method}`` answers like ``api.telegram.org`` (same JSON, same HTTP
  status), so aiogram raises exactly the exceptions it raises in production;
* ``GET /_double/calls``, ``GET /_double/messages?chat_id=N`` and ``POST /_double/reset``
  let a person using the sandbox see what the bot did;
* every call is recorded in ``double.calls`` (also failed ones, also unknown methods), so
  tests can assert on what reached "Telegram", including retries after injected faults.

Reach it in-process with ``httpx.ASGITransport(app=double.app)`` or over HTTP by serving
``double.app`` and pointing ``TELEGRAM_API_URL`` at it.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lucien.telegram.double import errors
from lucien.telegram.double.errors import BotApiError
from lucien.telegram.double.methods import METHODS, Handler, canonical_name
from lucien.telegram.double.objects import JSON, TgUser, short_user
from lucien.telegram.double.params import read_params
from lucien.telegram.double.payments import PaymentsMixin
from lucien.telegram.double.state import DoubleState, MemberChange
from lucien.telegram.double.updates import UpdateFactory

NetworkMode = Literal["disconnect", "bad_gateway", "hang"]

#: Methods that deliver something to a chat: a blocked user makes them answer 403.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendChatAction",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass
class Call:
    """One Bot API request as the double saw it and what it answered."""

    method: str
    params: JSON
    ok: bool
    result: Any = None
    error: JSON | None = None

    @property
    def error_code(self) -> int | None:
        """The Bot API error code (``None`` for successes and network faults)."""
        code = None if self.error is None else self.error.get("error_code")
        return None if code is None else int(code)

    @property
    def description(self) -> str | None:
        return None if self.error is None else str(self.error.get("description"))

    def to_dict(self) -> JSON:
        return asdict(self)


@dataclass
class Fault:
    """An injected failure for the next ``remaining`` calls (``None``: until cleared)."""

    method: str
    error: BotApiError | None = None
    network: NetworkMode | None = None
    remaining: int | None = 1
    chat_id: int | None = None
    hits: int = field(default=0)

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


class NetworkFailureError(httpx.RemoteProtocolError):
    """Raised inside the app to look like a dropped connection to an in-process client."""


class BadGatewayError(Exception):
    """An injected ``"bad_gateway"`` fault: the endpoint answers 502 with an HTML body."""


class HangingCallError(Exception):
    """An injected ``"hang"`` fault: the endpoint never answers (until the client gives up)."""


BAD_GATEWAY_BODY = "<html><body><h1>502 Bad Gateway</h1></body></html>"


class TelegramDouble(PaymentsMixin, DoubleState):
    """An in-memory Telegram for one bot, speaking the Bot API over ASGI.

    Create one per test (or one per sandbox process). ``token`` is optional: when set,
    requests with any other token answer 401 like Telegram; by default any token works.
    """

    def __init__(
        self,
        *,
        bot_id: int = 777000001,
        bot_username: str = "LucienBot",
        bot_name: str = "Lucien",
        token: str | None = None,
        start_update_id: int = 1,
    ) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username, bot_name=bot_name)
        self.token = token
        #: The method table; add or override entries to extend the double for one test.
        self.methods: dict[str, Handler] = dict(METHODS)
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.updates = UpdateFactory(start_update_id, state=self)
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/_double/calls", self._calls_endpoint, methods=["GET"]),
                Route("/_double/messages", self._messages_endpoint, methods=["GET"]),
                Route("/_double/reset", self._reset_endpoint, methods=["POST"]),
            ]
        )

    # ------------------------------------------------------------------ recording

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (any spelling), successful or not."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def clear_calls(self) -> None:
        """Forget recorded calls (and the callback answers they made); state is kept."""
        self.calls.clear()
        self.callback_answers.clear()

    def reset(self) -> None:
        """Back to an empty world: no chats, calls, faults or webhook (update ids go on)."""
        self._reset_state()
        self.calls.clear()
        self.faults.clear()

    # ------------------------------------------------------------------ faults

    def fail(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> Fault:
        """Answer the next ``times`` calls of ``method`` (``"*"``: any) with this error.

        ``chat_id`` limits the fault to calls whose ``chat_id`` is that chat;
        ``times=None`` keeps failing until :meth:`clear_faults`.
        """
        fault = Fault(
            method,
            error=BotApiError(error_code, description, retry_after=retry_after),
            remaining=times,
            chat_id=chat_id,
        )
        self.faults.append(fault)
        return fault

    def fail_retry_after(
        self, method: str, retry_after: int, *, times: int | None = 1, chat_id: int | None = None
    ) -> Fault:
        """Telegram's flood control: 429 "Too Many Requests: retry after N"."""
        error = errors.too_many_requests(retry_after)
        return self.fail(
            method,
            error.error_code,
            error.description,
            retry_after=retry_after,
            times=times,
            chat_id=chat_id,
        )

    def fail_network(
        self, method: str, times: int | None = 1, *, mode: NetworkMode = "disconnect"
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` fail below the Bot API.

        ``"disconnect"`` (default) raises :class:`NetworkFailureError` (an
        ``httpx.RemoteProtocolError``) out of the app: an in-process
        ``httpx.ASGITransport`` client sees exactly what a dropped connection looks like,
        and the httpx session turns it into aiogram's ``TelegramNetworkError``. Served
        over real HTTP, the server answers a bare 500 instead.

        ``"bad_gateway"`` answers HTTP 502 with an HTML body, as a proxy in front of
        Telegram would; aiogram cannot decode it and raises ``ClientDecodeError``.
        ``"hang"`` never answers: the caller waits until its own timeout cancels it.
        Either way the call fails without a Bot API answer, and the attempt is recorded.
        """
        fault = Fault(method, network=mode, remaining=times)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        ref = params.get("chat_id")
        chat = self.find_chat(ref) if isinstance(ref, int | str) and ref != "" else None
        chat_id = chat.id if chat is not None else (ref if isinstance(ref, int) else None)
        for fault in self.faults:
            if fault.matches(method, chat_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.hits += 1
                return fault
        return None

    # ------------------------------------------------------------------ dispatch

    def register(self, name: str, handler: Handler) -> None:
        """Add or replace a method handler on this double only."""
        self.methods[name] = handler

    def handle(self, method: str, params: JSON, *, token: str | None = None) -> tuple[int, JSON]:
        """Run one Bot API call; returns ``(http_status, json_body)`` and records it.

        Raises :class:`NetworkFailureError` / :class:`BadGatewayError` for injected
        network faults (the HTTP endpoint turns the latter into a 502).
        """
        name = canonical_name(method, self.methods)
        if self.token is not None and token != self.token:
            return self._answer_error(name or method, params, BotApiError(401, errors.UNAUTHORIZED))
        if name is None:
            return self._answer_error(method, params, BotApiError(404, errors.METHOD_NOT_FOUND))
        fault = self._take_fault(name, params)
        if fault is not None and fault.network is not None:
            failure = {"network": fault.network, "description": f"injected {fault.network}"}
            self.calls.append(Call(name, params, ok=False, error=failure))
            if fault.network == "disconnect":
                raise NetworkFailureError("Server disconnected without sending a response.")
            if fault.network == "hang":
                raise HangingCallError(method)
            raise BadGatewayError(method)
        if fault is not None and fault.error is not None:
            return self._answer_error(name, params, fault.error)
        try:
            result = self.methods[name](self, params)
        except BotApiError as exc:
            return self._answer_error(name, params, exc)
        result = copy.deepcopy(result)
        self.calls.append(Call(name, params, ok=True, result=result))
        return 200, {"ok": True, "result": result}

    def _answer_error(self, method: str, params: JSON, error: BotApiError) -> tuple[int, JSON]:
        payload = error.to_payload()
        self.calls.append(
            Call(method, params, ok=False, error={k: v for k, v in payload.items() if k != "ok"})
        )
        return error.error_code, payload

    async def _api_endpoint(self, request: Request) -> Response:
        token = str(request.path_params["token"])
        method = str(request.path_params["method"])
        try:
            params = await read_params(request)
        except BotApiError as exc:
            status, body = self._answer_error(method, {}, exc)
        else:
            try:
                status, body = self.handle(method, params, token=token)
            except BadGatewayError:
                return Response(BAD_GATEWAY_BODY, status_code=502, media_type="text/html")
            except HangingCallError:
                await asyncio.Event().wait()  # until the client cancels
                raise
        return JSONResponse(body, status_code=status)

    async def _calls_endpoint(self, request: Request) -> Response:
        return JSONResponse([call.to_dict() for call in self.calls])

    async def _messages_endpoint(self, request: Request) -> Response:
        raw = request.query_params.get("chat_id")
        try:
            chat_id = int(raw) if raw else None
        except ValueError:
            return JSONResponse({"error": "chat_id must be an integer"}, status_code=400)
        return JSONResponse(self.sent_messages(chat_id))

    async def _reset_endpoint(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"ok": True})

    # ------------------------------------------------------------------ updates from state

    def join_request(
        self, chat_id: int, user: TgUser, *, invite_link: str | None = None, bio: str | None = None
    ) -> JSON:
        """Record a pending join request and return the ``chat_join_request`` update."""
        self.add_join_request(chat_id, user, invite_link=invite_link, bio=bio)
        return self.updates.chat_join_request(chat_id, user, invite_link=invite_link, bio=bio)

    def member_joins(self, chat_id: int, user: TgUser, invite_link: str | None = None) -> JSON:
        """Make ``user`` a member (through ``invite_link``) and return the chat_member update."""
        chat = self.chat(chat_id)
        data = self.user_dict(user)
        link = chat.invite_links.get(invite_link or "")
        if link is not None:
            link.joined.append(int(data["id"]))
        chat.join_requests.pop(int(data["id"]), None)
        change = self.change_membership(chat, data, "member", actor=data, invite_link=invite_link)
        self.member_changes.remove(change)  # the returned update is that change
        return self.updates.chat_member(
            chat_id, user, change.old_status, "member", invite_link=invite_link
        )

    def member_leaves(self, chat_id: int, user: TgUser) -> JSON:
        """The user left the chat on their own; returns the chat_member update."""
        change = self.change_membership(
            self.chat(chat_id), self.user_dict(user), "left", actor=self.user_dict(user)
        )
        self.member_changes.remove(change)
        return self.updates.chat_member(chat_id, user, change.old_status, "left")

    def take_updates(self) -> list[JSON]:
        """chat_member updates Telegram would send for membership changes the bot caused
        (approved join requests, bans, removals), oldest first; the queue is emptied."""
        changes, self.member_changes = self.member_changes, []
        return [self._member_change_update(change) for change in changes]

    def _member_change_update(self, change: MemberChange) -> JSON:
        return self.updates.chat_member(
            change.chat_id,
            change.user,
            change.old_status,
            change.new_status,
            invite_link=change.invite_link,
            from_user=short_user(change.actor),
            via_join_request=change.via_join_request,
        )
