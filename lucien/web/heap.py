"""A warm process's long-lived objects, kept out of the garbage collector's way.

After ``import functions.webhook`` the collector tracks ~180,000 objects (aiogram's ~600
model classes and their fields, SQLAlchemy's mappers, the handler graph), and the first
update adds the pydantic schemas it builds. None of them ever becomes garbage, yet every
full collection walks them all: a pause of about 100 ms here on whichever update
happens to be running. ``gc.freeze`` moves everything alive into a permanent generation
that collections skip. It is done twice, each in constant time: once the app is made, and
after the first update (the other big batch). Measured with ``bench/load.py`` (PostgreSQL
+ Redis, 600 updates, 8 clients, interleaved runs): p99 180–198 → 96–133 ms on a quiet
machine, 237–381 → 190–198 ms beside other work.

The deployed entry also turns the collector off before its imports, and this module turns
it back on after the first request: until then nearly every object made is long-lived, and
the generational passes over them were a sixth of the import (``import functions.webhook``
0.91 → 0.77 s, interleaved pairs). Any kind of request ends the wait, so a process that
only answers health checks or scrapes still collects its garbage; a health check before
the first update (Railway sends one at every deploy) does not keep that update's schemas
from being frozen.

Only the deployed entries ask for it (``functions/webhook.py``): a test process makes
hundreds of apps, and freezing there would keep every test's cyclic garbage forever.
"""

from __future__ import annotations

import gc

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send


def settle(app: Starlette) -> None:
    """Freeze what is alive now; again after the app's first update, and once its first
    request of any kind is served, give the collector back."""
    gc.freeze()
    app.state.heap_settled = False


def settled_after_update(app: Starlette) -> None:
    """Called after each update: freezes once more, after the first one the app handled
    (its schemas are the other big batch, whatever request came before it)."""
    if getattr(app.state, "heap_settled", True):
        return
    app.state.heap_settled = True
    gc.freeze()


def release_collector() -> None:
    """Called after each request: the first one gives the collector back (freezing first,
    so what import and that request left alive is never walked)."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()


class ReleaseCollector:
    """ASGI middleware of the deployed app: ``release_collector`` after every HTTP request,
    whatever it was (an update, a health check, a scrape, a path that does not exist) and
    however it ended."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            release_collector()
