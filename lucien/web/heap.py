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

Only the deployed entries ask for it (``functions/webhook.py``): a test process makes
hundreds of apps, and freezing there would keep every test's cyclic garbage forever.
"""

from __future__ import annotations

import gc

from starlette.applications import Starlette


def settle(app: Starlette) -> None:
    """Freeze what is alive now, and again after the app's first update."""
    gc.freeze()
    app.state.heap_settled = False


def settled_after_update(app: Starlette) -> None:
    """Called after each update: freezes once, after the first one the app handled."""
    if getattr(app.state, "heap_settled", True):
        return
    app.state.heap_settled = True
    gc.freeze()
