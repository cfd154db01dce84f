"""The cron function's HTTP face: ``POST /cron`` behind ``Authorization: Bearer <CRON_SECRET>``.

The secret is compared in constant time; a wrong or missing one is 401 and nothing runs.
With a real bot token an unset ``CRON_SECRET`` answers 503 (the endpoint is closed until
it is configured, whatever ``LUCIEN_ENV`` says); only the sandbox runs it open.
``?dry_run=1`` asks for a dry run (``true``/``false``, ``1``/``0``, ``yes``/``no``,
``on``/``off``; anything else is 400 and nothing runs). The answer is the run's JSON
summary: 200 when the run finished (``status`` says ok or partial), 500 when every step
failed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lucien.ops.seam import observed_cron
from lucien.runtime import Runtime, runtime_provider
from lucien.switches import BadSwitch, parse_switch
from lucien.web.health import health_endpoint
from lucien.web.scheduled import MARK, SCHEDULED_PATH


def _authorised(runtime: Runtime, header: str | None) -> bool | None:
    """True/False, or None when the endpoint is closed (a real bot without a secret)."""
    secret = runtime.settings.cron_secret
    if secret is None:
        return True if runtime.settings.sandbox else None
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        # Still compare, so a missing header takes as long as a wrong one.
        hmac.compare_digest(b"-", secret.get_secret_value().encode())
        return False
    return hmac.compare_digest(given.strip().encode(), secret.get_secret_value().encode())


async def _run(request: Request, runtime: Runtime) -> Response:
    try:
        dry_run = parse_switch(request.query_params.get("dry_run"))
    except BadSwitch as exc:
        return JSONResponse({"ok": False, "status": "rejected", "error": str(exc)}, status_code=400)
    summary = await observed_cron(runtime, dry_run=dry_run)
    return JSONResponse(summary, status_code=500 if summary["status"] == "failed" else 200)


async def scheduled_endpoint(request: Request) -> Response:
    """The schedule's run (Lambda): only requests the scheduled-event handler made —
    marked in the ASGI scope, which no HTTP client can reach — are served."""
    if not request.scope.get(MARK):
        return JSONResponse({"ok": False, "error": "not found"}, status_code=404)
    return await _run(request, request.app.state.runtime())


async def cron_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime()
    allowed = _authorised(runtime, request.headers.get("authorization"))
    if allowed is None:
        return JSONResponse(
            {"ok": False, "error": "CRON_SECRET is not configured"}, status_code=503
        )
    if not allowed:
        return JSONResponse(
            {"ok": False, "error": "unauthorized"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await _run(request, runtime)


def cron_routes() -> list[Route]:
    return [
        Route("/cron", cron_endpoint, methods=["POST"]),
        Route(SCHEDULED_PATH, scheduled_endpoint, methods=["POST"]),
    ]


def create_cron_app(runtime: Runtime | Callable[[], Runtime] | None = None) -> Starlette:
    """The cron function's app: ``POST /cron`` and ``GET /health``."""
    app = Starlette(routes=[*cron_routes(), Route("/health", health_endpoint, methods=["GET"])])
    app.state.runtime = runtime_provider(runtime)
    return app
