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
from lucien.telegram.double import TgUser
from tests.conftest import Harness


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
