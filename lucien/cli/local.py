"""Everything in one process for local use (``make run`` / ``lucien serve``).

The same apps as the deployed functions, under one uvicorn: webhook and health at the
root, the cron at ``/cron``; in sandbox mode the Telegram double under ``/sandbox``.
"""

from __future__ import annotations

from starlette.applications import Starlette

from lucien.runtime import get_runtime
from lucien.sandbox.web import mount_sandbox
from lucien.web.cron import cron_routes
from lucien.web.webhook import create_webhook_app


def create_local_app() -> Starlette:
    runtime = get_runtime()
    app = create_webhook_app(runtime)
    app.router.routes.extend(cron_routes())
    mount_sandbox(app, runtime)
    return app
