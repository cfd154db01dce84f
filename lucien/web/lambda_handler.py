"""AWS Lambda entries: the same ASGI apps behind Mangum, lifespan off.

Mangum runs each invocation on the thread's current event loop; a warm Lambda keeps that
loop between invocations, which lets the per-loop HTTP and Redis clients be reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from mangum import Mangum
from starlette.types import ASGIApp

from lucien.web.scheduled import Scheduled

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def ensure_event_loop() -> asyncio.AbstractEventLoop:
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if loop.is_closed():
            raise RuntimeError
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def http_handler(app: ASGIApp, *, scheduled: bool = False) -> LambdaHandler:
    """The Lambda entry for ``app``; with ``scheduled`` a schedule's event (no HTTP shape)
    becomes a request too (:class:`lucien.web.scheduled.Scheduled`)."""
    custom: list[Any] = [Scheduled] if scheduled else []
    # Starlette's ASGIApp is Mangum's ASGI
    mangum = Mangum(cast(Any, app), lifespan="off", custom_handlers=custom)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        ensure_event_loop()
        return mangum(event, context)  # type: ignore[no-any-return]

    return handler
