"""aiogram's ``Bot`` over HTTP: aiohttp in production, httpx where a transport is injected.

httpx lets the tests and the sandbox intercept Telegram at the HTTP layer (respx, or an
ASGI transport into the Telegram double) with the real request encoding. In production
nothing is intercepted, and aiohttp (aiogram's own default) costs about a quarter of
httpx's CPU per call (measured in bench/: 0.7 ms against 2.9–3.4 ms per ``sendMessage``
at 8 concurrent calls; httpx goes through httpcore and anyio, aiohttp's parser is C), so
``make_session`` picks aiohttp unless a transport is given. Both keep one client per event
loop so a warm process reuses its connections without carrying a client across loops
(Lambda). ``tests/test_served.py`` runs the aiohttp session against the double.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    import httpx
    from aiogram import Bot


#: ``Response[X]`` for each return type seen, kept alive. aiogram's ``check_response``
#: parametrises ``Response[method.__returning__]`` on every call; pydantic caches generic
#: models only weakly, so without a strong reference the class (and its schema, ~14 % of
#: an update's CPU) was rebuilt about every other call. Holding it makes aiogram's lookup
#: a cache hit. Bounded by the ~170 Bot API methods.
_response_types: dict[Any, type[Response[Any]]] = {}


def keep_response_type(returning: Any) -> type[Response[Any]]:
    kept = _response_types.get(returning)
    if kept is None:
        kept = _response_types[returning] = Response[returning]  # type: ignore[valid-type]
    return kept


class KeptResponseTypes(BaseSession):
    """Both sessions' ``check_response``, the call that builds ``Response[X]``, keeps it."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        keep_response_type(method.__returning__)
        return super().check_response(bot, method, status_code, content)


def make_session(api_url: str, transport: httpx.AsyncBaseTransport | None = None) -> BaseSession:
    """aiohttp unless a transport is injected (tests, sandbox), which only httpx takes."""
    if transport is None:
        return LoopAiohttpSession(api_url)
    return HttpxSession(api_url, transport=transport)


class LoopAiohttpSession(KeptResponseTypes, AiohttpSession):
    """aiogram's aiohttp session, bound to one event loop at a time, keeping ``Response[X]``.

    A Lambda may run invocations on a new loop; an aiohttp client belongs to the loop that
    made it and cannot be closed from another, so a new loop gets a new client.
    """

    def __init__(self, api_url: str = "https://api.telegram.org", timeout: float = 30.0) -> None:
        super().__init__(api=TelegramAPIServer.from_base(api_url.rstrip("/")), timeout=timeout)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def create_session(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is not loop:
            self._session = None  # a finished loop's client: dropped, not closed
            self._should_reset_connector = True
        self._loop = loop
        return await super().create_session()

    async def close(self) -> None:
        if self._loop is asyncio.get_running_loop():
            await super().close()
        self._session = None


class HttpxSession(KeptResponseTypes):
    def __init__(
        self,
        api_url: str = "https://api.telegram.org",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = api_url.rstrip("/")
        super().__init__(api=TelegramAPIServer.from_base(base), timeout=timeout)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _get_client(self) -> httpx.AsyncClient:
        import httpx  # only here: production's session is aiohttp, and its import pays none of this

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                timeout=httpx.Timeout(self.timeout, connect=10.0),
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
            )
            self._loop = loop
        return self._client

    async def close(self) -> None:
        same_loop = self._loop is asyncio.get_running_loop()
        if self._client is not None and not self._client.is_closed and same_loop:
            await self._client.aclose()
        self._client = None

    async def _build_request(
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
        files: dict[str, Any] = {}
        data: dict[str, str] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if not prepared:
                continue
            data[key] = prepared
        uploads: dict[str, tuple[str, bytes]] = {}
        for key, value in files.items():
            raw = b"".join([chunk async for chunk in value.read(bot)])
            uploads[key] = (value.filename or key, raw)
        return data, uploads

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        import httpx

        client = self._get_client()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        data, uploads = await self._build_request(bot, method)
        try:
            response = await client.post(
                url,
                data=data,
                files=uploads or None,
                timeout=self.timeout if timeout is None else timeout,
            )
        except httpx.TimeoutException as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except httpx.HTTPError as exc:
            raise TelegramNetworkError(
                method=method, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        result = self.check_response(
            bot=bot, method=method, status_code=response.status_code, content=response.text
        )
        return cast(TelegramType, result.result)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        client = self._get_client()
        async with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if raise_for_status:
                response.raise_for_status()
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk
