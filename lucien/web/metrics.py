"""``GET /metrics``: Prometheus text for the whole deployment, behind a bearer token.

Off (404) while ``METRICS_TOKEN`` is unset; a missing or wrong ``Authorization: Bearer``
answers 401 before anything is read. The totals come from the shared store (Redis or the
``ops_counters`` table), so whichever instance answers, the numbers are the deployment's.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lucien.runtime import Runtime

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def metrics_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime()
    token = runtime.settings.metrics_token
    if token is None:
        return JSONResponse({"ok": False, "error": "metrics are off"}, status_code=404)
    given = request.headers.get("authorization", "")
    expected = "Bearer " + token.get_secret_value()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JSONResponse(
            {"ok": False, "error": "unauthorized"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    from lucien.ops import metrics

    return Response(metrics.render(await metrics.totals(runtime)), media_type=CONTENT_TYPE)
