"""The standalone health function's app."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.routing import Route

from lucien.runtime import Runtime, runtime_provider
from lucien.web.health import health_endpoint


def create_health_app(runtime: Runtime | Callable[[], Runtime] | None = None) -> Starlette:
    app = Starlette(routes=[Route("/health", health_endpoint, methods=["GET"])])
    app.state.runtime = runtime_provider(runtime)
    return app
