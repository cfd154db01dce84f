"""The compiled handler graph: nothing in it sends an update to a worker thread.

aiogram calls a synchronous filter or handler through ``asyncio.to_thread`` (a bare ``F``
expression, a ``State``, a plain function), so one left in the graph costs every update
that reaches it a thread hop. ``lucien.bot.filters.InLoop`` and aiogram's ``StateFilter``
keep them on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram import Router
from aiogram.fsm.storage.memory import MemoryStorage

from lucien.bot.dispatcher import build_dispatcher
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminCB
from lucien.callbacks import AdminSection as S
from lucien.ops.observe import handler_name
from lucien.telegram.double import TgUser
from tests.conftest import Harness

#: The modules whose wrappers must lend a handler its name, not keep their own.
WRAPPERS = ("lucien.bot.visit.", "lucien.bot.wizard.")


def _callables(router: Router) -> Iterator[tuple[str, Any, bool]]:
    for name, observer in router.observers.items():
        for rule in observer._handler.filters or []:
            yield f"{router.name} {name} router filter", rule.callback, rule.awaitable
        for handler in observer.handlers:
            yield f"{router.name} {name} handler", handler.callback, handler.awaitable
            for rule in handler.filters or []:
                yield f"{router.name} {name} filter", rule.callback, rule.awaitable


def test_every_filter_and_handler_runs_on_the_event_loop() -> None:
    dispatcher = build_dispatcher(MemoryStorage())
    found = [(where, c) for r in dispatcher.chain_tail for where, c, ok in _callables(r) if not ok]
    assert found == []


async def test_a_start_and_a_wizard_answer_never_leave_the_event_loop(
    app: Harness, owner: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[Any] = []
    real = asyncio.to_thread

    async def counted(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    await app.send(app.updates.command(TgUser(id=4242, first_name="Ana"), "/start"))
    await app.send(app.updates.command(owner, "/admin"))
    await app.press(owner, AdminCB(section=S.USERS, action=A.FIND).pack())
    await app.say(owner, "@nadie")  # the search wizard's typed answer
    await app.say(TgUser(id=4242, first_name="Ana"), "hola")  # the fallback
    assert "nadie" in app.text(owner)
    assert hops == []


def test_every_handler_is_known_by_its_own_name() -> None:
    """The operations panel, the dead-letter alerts (one per handler and error) and the
    profiles name a handler by its module and qualified name (``handler_name``). A wrapper
    (``card_press``, ``list_press``, ``text_step``, a step factory) that kept its own would
    file different handlers under one name, and one dead letter would silence another's
    alert."""
    dispatcher = build_dispatcher(MemoryStorage())
    names: dict[str, set[Any]] = {}
    for router in dispatcher.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                name = handler_name(handler.callback)
                # A method of a router object (the VIP and Free catalogues) is one function.
                function = getattr(handler.callback, "__func__", handler.callback)
                names.setdefault(name, set()).add(function)
    assert len(names) > 100
    borrowed = [n for n in names if "<locals>" in n or n.startswith(WRAPPERS)]
    assert borrowed == []
    # One name, one function.
    assert {n: c for n, c in names.items() if len(c) > 1} == {}
