"""The webhook function: one Telegram update per request.

Order matters: the secret is checked before the body is read, the body is read with a
size limit before it is parsed, and only a valid Update reaches the dispatcher. The answer
tells Telegram whether to deliver again: 2xx only once the update's effects are settled.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lucien.ops.panel import provide as provide_operations
from lucien.ops.seam import run_observed
from lucien.pipeline import InvalidUpdate, Outcome, parse_update, shared_dispatcher
from lucien.runtime import Runtime, runtime_provider
from lucien.web import heap
from lucien.web.health import health_endpoint
from lucien.web.metrics import metrics_endpoint

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def secret_ok(runtime: Runtime, given: str | None) -> bool:
    expected = runtime.settings.webhook_secret
    if expected is None:
        # Only the sandbox runs open; a real bot refuses to start without the secret
        # (boot), and should it be served anyway, nothing gets in.
        return runtime.settings.sandbox
    return given is not None and hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    )


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


async def webhook_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime()
    if not secret_ok(runtime, request.headers.get(SECRET_HEADER)):
        return _error(401, "unauthorized")
    try:
        body = await read_limited(request, runtime.settings.max_body_bytes)
    except BodyTooLarge:
        return _error(413, "body too large")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid JSON")
    except RecursionError:
        return _error(400, "JSON nested too deeply")
    try:
        update = parse_update(runtime, payload)
    except InvalidUpdate as exc:
        return _error(400, str(exc))

    outcome = await run_observed(runtime, update)
    heap.settled_after_update(request.app)
    if outcome is Outcome.FAILED:
        return _error(500, "processing failed; deliver again")
    if outcome is Outcome.BUSY:
        return JSONResponse(
            {"ok": False, "error": "already in progress"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"ok": True, "outcome": outcome.value})


def create_webhook_app(
    runtime: Runtime | Callable[[], Runtime] | None = None, *, settle_heap: bool = False
) -> Starlette:
    """The webhook ASGI app; ``runtime`` defaults to the process-wide one, made lazily.

    ``settle_heap``: the deployed entry's long-lived objects leave the garbage collector's
    walks (``lucien.web.heap``)."""
    provider = runtime_provider(runtime)
    routes = [
        Route("/webhook", webhook_endpoint, methods=["POST"]),
        Route("/health", health_endpoint, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    middleware = [Middleware(heap.ReleaseCollector)] if settle_heap else []
    app = Starlette(routes=routes, middleware=middleware)
    app.state.runtime = provider
    provide_operations(shared_dispatcher())
    if settle_heap:
        heap.settle(app)
    return app
