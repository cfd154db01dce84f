"""AWS Lambda entries: the same ASGI apps behind Mangum, lifespan off."""

from __future__ import annotations

from typing import Any

from mangum import Mangum
from starlette.types import ASGIApp


def http_handler(app: ASGIApp) -> Mangum:
    return Mangum(app, lifespan="off")
