"""The standalone health function's app."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lucien.runtime import Runtime, runtime_provider


async def _health(request: Request) -> Response:
    # The checks (SQLAlchemy, Alembic's head) load on the first request, not at import:
    # ``import functions.health`` is the function's cold start.
    from lucien.web.health import health_endpoint

    return await health_endpoint(request)


def create_health_app(runtime: Runtime | Callable[[], Runtime] | None = None) -> Starlette:
    app = Starlette(routes=[Route("/health", _health, methods=["GET"])])
    app.state.runtime = runtime_provider(runtime)
    return app
