"""``lucien migrate-data``: a database filled through the real flows moves to the other
backend with equal counts and checksums, and the bot runs there; loose SQLite values are
normalised, hostile ones refused with a report naming table, row and column."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from lucien.bot.callbacks import AdminAction as A
from lucien.bot.callbacks import AdminSection as S
from lucien.cli import main
from lucien.db.engine import create_engine
from lucien.db.migrations import upgrade
from lucien.db.models import AdminGrant, AuditEntry, Plan, User
from lucien.runtime import Runtime
from lucien.web.webhook import create_webhook_app
from tests.admin_panel_support import cb, press
from tests.conftest import Backend, Harness, make_settings
from tests.data_support import ANA, BOBBIE, OWNER, fresh_database, populate, prints_of
from tests.members_support import labels, last_text

OTHER = {"sqlite": "postgres", "postgres": "sqlite"}


async def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(args))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1])


@asynccontextmanager
async def bot_on(url: str, kind: str, app: Harness) -> AsyncIterator[Harness]:
    """The webhook app on another database (FSM there too), the same Telegram double."""
    settings = make_settings(Backend(kind, url, None), "unused:")
    runtime = Runtime(
        settings, telegram_transport=httpx.ASGITransport(app=app.double.app), double=app.double
    )
    transport = httpx.ASGITransport(app=create_webhook_app(runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://lucien.test") as c:
            yield Harness(c, app.double, runtime, app.double.updates)
    finally:
        await runtime.aclose()


async def test_a_real_database_moves_to_the_other_backend_and_the_bot_runs_there(
    app: Harness, backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await populate(app)
    source = backend.database_url
    kind = OTHER[backend.name]
    if kind == "postgres":
        pytest.importorskip("asyncpg")
    async with fresh_database(kind, tmp_path) as target:
        code, summary = await run_cli(capsys, "migrate-data", source, target)
        assert code == 0, summary
        assert summary["status"] == "ok" and summary["problem_count"] == 0
        assert all(t["match"] for t in summary["tables"].values())
        assert summary["tables"]["users"]["rows"] == 3
        assert summary["rows"] == sum(t["rows"] for t in summary["tables"].values()) > 30
        assert await prints_of(target) == await prints_of(source)

        # Running it again is safe: the copy is recognised and nothing is written.
        code, again = await run_cli(capsys, "migrate-data", source, target)
        assert (code, again["status"]) == (0, "unchanged")

        async with bot_on(target, kind, app) as moved:
            await moved.send(moved.updates.command(ANA, "start"))
            assert "Ana" in last_text(moved, ANA)
            found = labels(moved.double.last_message(ANA.id))
            assert any("Mi membresía" in x for x in found)
            # New rows get new ids (sequences moved past the copied ones).
            await moved.send(moved.updates.command(OWNER, "start"))
            await press(moved, OWNER, cb(S.USERS, A.BLOCK_OK, id=BOBBIE.id))
            async with moved.runtime.sessions() as session:
                blocked = await session.scalar(select(User.is_blocked).where(User.id == BOBBIE.id))
                newest = await session.scalar(
                    select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)
                )
            assert blocked is True and newest == "user.block"

        # The target now holds more than the source: a third run refuses to touch it...
        code, refused = await run_cli(capsys, "migrate-data", source, target)
        assert code == 1 and refused["status"] == "error" and "--force" in refused["error"]
        # ...unless asked to replace it.
        code, forced = await run_cli(capsys, "migrate-data", "--force", source, target)
        assert (code, forced["status"]) == (0, "ok")
        assert await prints_of(target) == await prints_of(source)


async def _sqlite_at_head(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "source.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    return url, path


def _users(path: Path, *rows: tuple[Any, ...]) -> None:
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO users (id, first_name, last_name, username, first_seen_at, "
            "last_seen_at, is_blocked, blocked_notice_sent, unreachable) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


NOW = "2026-11-01 10:00:00.000000"


async def test_loose_sqlite_values_arrive_as_what_they_meant(
    postgres_backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, path = await _sqlite_at_head(tmp_path)
    _users(
        path,
        # booleans as text and as integers; an aware timestamp; a naive one (UTC)
        (1, "Uno", None, None, "2026-01-01T10:00:00+02:00", NOW, "false", "1", 1),
        (2, "Dos", None, None, NOW, "2026-01-01 10:00:00", 0, "TRUE", 0),
    )
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO plans (id, name, days, price, currency, active, created_at) "
            "VALUES (7, 'Anual', 365, 19.9, 'USD', 'true', ?)",
            (NOW,),
        )
        db.execute(
            "INSERT INTO admin_grants (id, user_id, granted_by, granted_at) VALUES (1, 2, ?, ?)",
            (2**40, NOW),
        )
    async with fresh_database("postgres", tmp_path) as target:
        code, summary = await run_cli(capsys, "migrate-data", source, target)
        assert (code, summary["status"]) == (0, "ok")
        engine = create_engine(target)
        async with engine.connect() as conn:
            users = (await conn.execute(select(User).order_by(User.id))).all()
            plan = (await conn.execute(select(Plan))).one()
            grant = (await conn.execute(select(AdminGrant))).one()
        await engine.dispose()
    one, two = users
    assert (one.is_blocked, one.blocked_notice_sent, one.unreachable) == (False, True, True)
    assert one.first_seen_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert (two.is_blocked, two.blocked_notice_sent) == (False, True)
    assert two.last_seen_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert (plan.price, plan.active) == (Decimal("19.90"), True)
    assert grant.granted_by == 2**40


HOSTILE_REPORT = [
    {"table": table, "row": {"id": row}, "column": column, "problem": problem}
    for table, row, column, problem in (
        ("plans", 8, "days", "integer 4294967296 does not fit in 32 bits"),
        ("plans", 8, "price", "19.999 has more than 2 decimal places"),
        ("users", 11, "is_blocked", "ambiguous boolean 'yes'"),
        ("users", 12, "first_name", "invalid UTF-8 at byte 3"),
        ("users", 13, "last_name", "NUL character at position 3 (PostgreSQL text cannot hold it)"),
        ("users", 14, "first_seen_at", "unreadable timestamp 'yesterday'"),
        ("users", 15, "username", "65 characters where at most 64 fit"),
    )
]


async def test_hostile_rows_are_refused_with_the_exact_report(
    postgres_backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, path = await _sqlite_at_head(tmp_path)
    _users(
        path,
        (10, "Fine", None, None, NOW, NOW, 0, 0, 0),
        (11, "Sí", None, None, NOW, NOW, "yes", 0, 0),
        (12, b"Ana\xff", None, None, NOW, NOW, 0, 0, 0),
        (13, "Ana", "Ana\x00Bob", None, NOW, NOW, 0, 0, 0),
        (14, "Ana", None, None, "yesterday", NOW, 0, 0, 0),
        (15, "Ana", None, "x" * 65, NOW, NOW, 0, 0, 0),
    )
    with sqlite3.connect(path) as db:
        db.execute("UPDATE users SET first_name = CAST(X'416e61ff' AS TEXT) WHERE id = 12")
        db.execute(
            "INSERT INTO plans (id, name, days, price, currency, active, created_at) "
            "VALUES (8, 'Eterno', 4294967296, '19.999', 'USD', 1, ?)",
            (NOW,),
        )

    untouched = tmp_path / "untouched.db"
    code, dry = await run_cli(capsys, "migrate-data", "--dry-run", source, f"sqlite:///{untouched}")
    assert (code, dry["status"]) == (1, "refused")
    assert dry["problems"] == HOSTILE_REPORT
    assert not await asyncio.to_thread(untouched.exists)

    async with fresh_database("postgres", tmp_path) as target:
        code, summary = await run_cli(capsys, "migrate-data", source, target)
        assert (code, summary["status"]) == (1, "refused")
        assert summary["problems"] == HOSTILE_REPORT
        assert summary["problem_count"] == len(HOSTILE_REPORT)
        prints = await prints_of(target)
        assert {name: p["rows"] for name, p in prints.items() if p["rows"]} == {}


async def test_a_target_that_changes_rows_fails_verification_and_keeps_nothing(
    postgres_backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, path = await _sqlite_at_head(tmp_path)
    _users(path, (1, "ana", None, None, NOW, NOW, 0, 0, 0))
    async with fresh_database("postgres", tmp_path) as target:
        await asyncio.to_thread(upgrade, target)
        engine = create_engine(target)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "CREATE FUNCTION shout() RETURNS trigger AS $$ BEGIN "
                    "NEW.first_name := upper(NEW.first_name); RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER shout BEFORE INSERT ON users "
                    "FOR EACH ROW EXECUTE FUNCTION shout()"
                )
            )
        await engine.dispose()
        code, summary = await run_cli(capsys, "migrate-data", source, target)
        assert (code, summary["status"]) == (1, "mismatch")
        assert summary["tables"]["users"]["match"] is False
        assert summary["tables"]["plans"]["match"] is True
        assert (await prints_of(target))["users"]["rows"] == 0


async def test_a_source_behind_the_head_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = f"sqlite:///{tmp_path / 'nothing.db'}"
    code, summary = await run_cli(capsys, "migrate-data", empty, f"sqlite:///{tmp_path / 'b.db'}")
    assert code == 2 and "run `lucien migrate` on it first" in summary["error"]
