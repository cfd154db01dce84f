"""One structured line per update and per cron step, without personal data."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from lucien.db.models import User
from lucien.ops.logs import JsonFormatter, wants_json
from lucien.telegram.double import TgUser
from tests.conftest import Harness


async def test_one_json_line_per_update(app: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lucien.ops")
    zoe = TgUser(id=6001, first_name="Zoé Secreta", username="zoe_secret")
    await app.send(app.updates.command(zoe, "start"))
    await app.send(app.updates.command(zoe, "start"))  # a second one, redelivered below
    lines = [r for r in caplog.records if r.name == "lucien.ops.update"]
    assert len(lines) == 2
    out = [json.loads(JsonFormatter().format(r)) for r in lines]
    first = out[0]
    assert first["kind"] == "message" and first["handler"] == "start.on_start"
    assert first["role"] == "free" and first["outcome"] == "handled"
    assert first["duration_ms"] > 0 and first["sql"] > 0 and first["telegram"] == 1
    assert set(first) >= {"update_id", "fallback", "telegram_ms", "ts", "level", "msg"}
    everything = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "Zoé" not in everything and "zoe_secret" not in everything


async def test_cron_steps_are_logged(app: Harness, caplog: pytest.LogCaptureFixture) -> None:
    from lucien.ops.seam import observed_cron

    caplog.set_level(logging.INFO, logger="lucien.ops")
    await observed_cron(app.runtime)
    steps = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "lucien.ops.cron"
    ]
    assert [s.get("cron_step") for s in steps[:-1]] == ["expiry", "reminders", "free", "cleanup"]
    assert steps[-1]["outcome"] == "ok" and "sql" in steps[-1]


async def test_database_errors_hide_parameters(app: Harness) -> None:
    async with app.runtime.sessions.begin() as session:
        await session.execute(insert(User).values(id=7001, first_name="Secreto"))
    with pytest.raises(IntegrityError) as caught:
        async with app.runtime.sessions.begin() as session:
            await session.execute(insert(User).values(id=7001, first_name="Secreto"))
    assert "Secreto" not in str(caught.value)
    assert "hidden" in str(caught.value)


def test_json_in_production_text_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("LUCIEN_ENV", "production")
    assert wants_json()
    monkeypatch.setenv("LUCIEN_ENV", "development")
    assert not wants_json()
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert wants_json()
