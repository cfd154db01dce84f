"""The N+1 alarm and profiling on request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy import func, select

from lucien import pipeline
from lucien.bot.dispatcher import build_dispatcher
from lucien.bot.storage_scope import RequestStorage
from lucien.db.models import OpsProfile, User
from lucien.ops.diagnostics import check_n_plus_one
from lucien.runtime import Runtime
from lucien.telegram.double import TgUser, UpdateFactory
from tests.conftest import Harness


async def n_plus_one(message: Message, runtime: Runtime) -> None:
    """Deliberately one query per person, the classic N+1."""
    async with runtime.sessions() as session:
        ids = list((await session.scalars(select(User.id))).all())
        for _ in range(60):
            for user_id in ids:
                await session.scalar(select(User.first_name).where(User.id == user_id))
    await message.answer("ok")


async def batched(message: Message, runtime: Runtime) -> None:
    async with runtime.sessions() as session:
        await session.execute(select(User.id, User.first_name))
    await message.answer("ok")


@pytest.fixture
def deliberate_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    extra = Router(name="tests.n_plus_one")
    extra.message.register(n_plus_one, Command("slow"))
    extra.message.register(batched, Command("fast"))
    dispatcher = build_dispatcher(RequestStorage())
    dispatcher.include_router(extra)
    dispatcher.sub_routers.remove(extra)
    dispatcher.sub_routers.insert(0, extra)
    monkeypatch.setattr(pipeline, "shared_dispatcher", lambda: dispatcher)
    yield


@pytest.mark.usefixtures("deliberate_handlers")
async def test_an_n_plus_one_handler_trips_the_alarm(
    app: Harness, ana: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="lucien.ops")
    await app.send(app.updates.command(ana, "fast"))
    assert not [r for r in caplog.records if "N+1" in r.getMessage()]
    assert (await check_n_plus_one(app.runtime)).ok

    await app.send(app.updates.command(ana, "slow"))
    alarms = [r for r in caplog.records if "N+1" in r.getMessage()]
    assert len(alarms) == 1
    fields = alarms[0].ops  # type: ignore[attr-defined]
    assert fields["handler"] == "tests.test_ops_profiling.n_plus_one"
    assert fields["sql"] > app.runtime.settings.sql_alarm_statements
    top = fields["shapes"][0]
    assert top["count"] == 60 and "FROM users" in top["shape"] and "5001" not in top["shape"]

    card = await check_n_plus_one(app.runtime)
    assert not card.ok and card.problem == "offenders"
    assert card.facts["offenders"][0]["handler"] == "tests.test_ops_profiling.n_plus_one"


async def test_profile_the_next_updates(app: Harness, owner: TgUser, ana: TgUser) -> None:
    await app.send(app.updates.command(owner, "profile", "2"))
    assert "Cronometraré con detalle 2 mensajes" in app.texts_to(owner.id)[-1]
    for _ in range(3):
        await app.send(app.updates.command(ana, "start"))
    async with app.runtime.sessions() as session:
        stored = list(
            (await session.scalars(select(OpsProfile).where(OpsProfile.reason == "profile"))).all()
        )
    assert len(stored) == 2
    summary = stored[0].summary or {}
    assert stored[0].handler == "start.on_start"
    assert summary["hot_spots"] and summary["statements"]
    assert [c["method"] for c in summary["telegram"]] == ["sendMessage"]

    await app.send(app.updates.command(owner, "profile"))
    report = app.texts_to(owner.id)[-1]
    assert "2 mensajes medidos" in report and "start.on_start" in report

    await app.send(app.updates.command(owner, "profile", "mil"))
    assert "entre 1 y 100" in app.texts_to(owner.id)[-1]
    async with app.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(OpsProfile))
    assert count == 2


def test_lucien_profile_writes_an_html_report(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, sqlite_backend: object
) -> None:
    from pathlib import Path

    from lucien.cli import main
    from lucien.settings import get_settings

    folder = Path(str(tmp_path))
    update = folder / "update.json"
    update.write_text(json.dumps(UpdateFactory(91).command(TgUser(42, "Ana"), "start")))
    monkeypatch.setenv("DATABASE_URL", sqlite_backend.database_url)  # type: ignore[attr-defined]
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["profile", str(update)]) == 0
    finally:
        get_settings.cache_clear()
    html = (folder / "update.html").read_text()
    assert "pyinstrument" in html.lower()
    assert main(["profile", str(folder / "missing.json")]) == 2
