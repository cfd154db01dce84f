"""The dispatcher factory, and the one compiled handler graph a warm process reuses.

Building the graph (routers, filters, handler signatures) costs tens of milliseconds —
measured in bench/: it was most of an update's latency when done per request. The graph
holds no user state, so a process builds it once. What *is* per request — the FSM
storage, with its Redis client or database sessions — reaches the graph through
``RequestStorage``, which delegates to the storage the pipeline set for the current update.
"""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from lucien.bot import errors
from lucien.bot.middlewares.context import ContextMiddleware
from lucien.bot.routers import build_routers
from lucien.bot.storage_scope import RequestStorage
from lucien.bot.visit import VisitMiddleware

_shared: Dispatcher | None = None


def build_dispatcher(storage: BaseStorage) -> Dispatcher:
    dispatcher = Dispatcher(storage=storage)
    dispatcher.update.outer_middleware(ContextMiddleware())
    dispatcher.message.middleware(VisitMiddleware())
    dispatcher.callback_query.middleware(VisitMiddleware())
    dispatcher.include_routers(*build_routers(), errors.build())
    return dispatcher


def shared_dispatcher() -> Dispatcher:
    """The process's dispatcher; its storage is whatever the current update uses."""
    global _shared
    if _shared is None:
        _shared = build_dispatcher(RequestStorage())
    return _shared
