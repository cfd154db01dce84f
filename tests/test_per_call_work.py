"""Work a warm process does once, not per update: parametrised response types, TLS setup."""

from __future__ import annotations

import gc

import pytest
from aiogram.methods.base import Response
from pydantic._internal import _generics

from lucien.db.engine import create_engine
from lucien.db.url import DatabaseURLError, normalize_database_url, ssl_from_url
from lucien.telegram.double import TgUser


async def test_response_types_are_built_once_per_process(
    app, ana: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await app.send(app.updates.command(ana, "/start"))  # first use builds what it needs
    made: list[str] = []
    create = _generics.create_generic_submodel

    def counting(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(name)
        return create(name, *args, **kwargs)

    monkeypatch.setattr(_generics, "create_generic_submodel", counting)
    for i in range(6):
        gc.collect()  # what lost aiogram's Response[Message] between calls
        await app.send(app.updates.command(TgUser(id=7000 + i, first_name="B"), "/start"))
    assert app.double.sent_messages(7005)  # each /start was answered through check_response
    assert [name for name in made if name.startswith(Response.__name__)] == []


def test_tls_is_off_unless_the_url_asks() -> None:
    assert ssl_from_url("postgresql+asyncpg://u@h/db") == ("postgresql+asyncpg://u@h/db", False)
    assert ssl_from_url("postgresql+asyncpg://u:p@h/db?sslmode=verify-full&x=1") == (
        "postgresql+asyncpg://u:p@h/db?x=1",
        "verify-full",
    )
    assert ssl_from_url("postgresql+asyncpg://u@h/db?ssl=require")[1] == "require"
    with pytest.raises(DatabaseURLError, match="sslmode"):
        normalize_database_url("postgres://u@h/db?sslmode=sometimes")
    with pytest.raises(DatabaseURLError, match="sslmode"):
        ssl_from_url("postgresql+asyncpg://u@h/db?sslmode=require&sslmode=disable")
    # Everything but the TLS parameter is handed on as written: an encoded password, other
    # parameters and their encoding.
    assert ssl_from_url(
        "postgresql+asyncpg://u:p%40ss%2Fw@h:6543/db?options=-c%20search_path%3Dx&sslmode=require"
    ) == ("postgresql+asyncpg://u:p%40ss%2Fw@h:6543/db?options=-c%20search_path%3Dx", "require")


async def test_the_engine_hands_asyncpg_the_sslmode(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncpg

    seen: list[object] = []

    async def connect(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("ssl"))
        raise OSError("not connecting in this test")

    monkeypatch.setattr(asyncpg, "connect", connect)
    for url, expected in (
        ("postgresql://u@127.0.0.1:1/db", False),
        ("postgresql://u@127.0.0.1:1/db?sslmode=require", "require"),
    ):
        engine = create_engine(url)
        with pytest.raises(OSError):
            async with engine.connect():
                pass
        await engine.dispose()
        assert seen.pop() == expected
