"""The configuration and role cache (``lucien.cache``): every write path is seen by the
very next update, on both backends; a warm ``/start`` needs few statements; Redis down
means the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from lucien import cache
from lucien.access.config import update_config
from lucien.db.models import utcnow
from lucien.services import admin_users, admin_vip
from lucien.settings import get_settings
from lucien.telegram.double import TgUser
from tests.access_support import set_subscription, subscription_of
from tests.conftest import OWNER_ID, Harness
from tests.factories import configure, make_invitation, make_plan
from tests.test_data_migrate import run_cli

pytestmark = pytest.mark.usefixtures("app")


async def role_seen(app: Harness, who: TgUser) -> str:
    """The role the bot treats ``who`` with, read from what ``/help`` answers."""
    before = len(app.double.sent_messages(who.id))
    await app.send(app.updates.command(who, "help"))
    sent = app.double.sent_messages(who.id)
    if len(sent) == before:
        return "ignored"
    text = str(sent[-1].get("text") or "")
    if "/cancel" not in text:
        return "blocked"  # not the help: the notice a blocked person gets
    if "/admin" in text:
        return "admin"
    if "Diván" in text:
        return "vip"
    return "free"


async def settle_cache(app: Harness, who: TgUser, expected: str) -> None:
    """Ask twice: the second answer comes from the cache where there is one."""
    assert await role_seen(app, who) == expected
    hits = cache.stats["role_hit"]
    assert await role_seen(app, who) == expected
    if app.runtime.settings.redis_url:
        assert cache.stats["role_hit"] == hits + 1  # served from the cache


async def test_every_write_path_is_seen_by_the_next_update(app: Harness, ana: TgUser) -> None:
    rt = app.runtime
    await configure(rt, app.double)
    await settle_cache(app, ana, "free")

    # Redemption (through the webhook, as a member does it).
    plan = await make_plan(rt, "Mensual", 30)
    invitation = await make_invitation(rt, plan.id)
    await app.send(app.updates.command(ana, "start", invitation.token))
    await settle_cache(app, ana, "vip")

    # Removal by a custodian.
    sub = await subscription_of(rt, ana.id)
    assert await admin_vip.remove_now(rt, sub.id, actor_id=OWNER_ID) is not None
    assert await role_seen(app, ana) == "free"

    # Expiry with no write at all: a period that ends while its role is cached.
    again = await make_invitation(rt, plan.id)
    await app.send(app.updates.command(ana, "start", again.token))
    sub = await subscription_of(rt, ana.id)
    await set_subscription(rt, sub.id, ends_at=utcnow() + timedelta(seconds=2))
    await settle_cache(app, ana, "vip")
    await asyncio.sleep(2.1)
    assert await role_seen(app, ana) == "free"

    # Extension by a custodian (from the past end: a new period, VIP again).
    await set_subscription(rt, sub.id, ends_at=utcnow() + timedelta(seconds=3))
    await settle_cache(app, ana, "vip")
    async with rt.sessions.begin() as session:
        assert await admin_vip.extend(session, sub.id, 30, actor_id=OWNER_ID) is not None
    await asyncio.sleep(3.1)  # past the end the cache had seen
    assert await role_seen(app, ana) == "vip"

    # Expiry as the cron writes it (the period's status changes).
    await set_subscription(rt, sub.id, status="expired")
    assert await role_seen(app, ana) == "free"

    async def as_owner(change: Callable[..., Awaitable[admin_users.Result]], **on: bool) -> None:
        """One of the owner's role changes on Ana, done (not refused, not already so)."""
        async with rt.sessions.begin() as session:
            result = await change(session, rt.settings, actor_id=OWNER_ID, user_id=ana.id, **on)
        assert result is admin_users.Result.DONE

    # Custodian granted, then revoked, by the owner.
    await as_owner(admin_users.set_admin, admin=True)
    await settle_cache(app, ana, "admin")
    await as_owner(admin_users.set_admin, admin=False)
    assert await role_seen(app, ana) == "free"

    # Blocked, then unblocked.
    await as_owner(admin_users.set_blocked, blocked=True)
    assert await role_seen(app, ana) in ("blocked", "ignored")
    await as_owner(admin_users.set_blocked, blocked=False)
    assert await role_seen(app, ana) == "free"


async def test_a_restored_backup_is_seen_by_the_next_update(
    app: Harness,
    ana: TgUser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ``lucien import`` writes outside the runtime's sessions: it must still invalidate.
    rt = app.runtime
    await configure(rt, app.double)
    plan = await make_plan(rt, "Mensual", 30)
    invitation = await make_invitation(rt, plan.id)
    await app.send(app.updates.command(ana, "start", invitation.token))
    archive = tmp_path / "backup.zip"
    for name, value in (
        ("DATABASE_URL", rt.settings.database_url),
        ("REDIS_URL", rt.settings.redis_url or ""),
        ("REDIS_PREFIX", rt.settings.redis_prefix),
    ):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        code, _ = await run_cli(capsys, "export", str(archive))
        assert code == 0
        sub = await subscription_of(rt, ana.id)
        assert await admin_vip.remove_now(rt, sub.id, actor_id=OWNER_ID) is not None
        await settle_cache(app, ana, "free")

        code, restored = await run_cli(capsys, "import", "--force", str(archive))
        assert (code, restored["status"]) == (0, "ok"), restored
    finally:
        get_settings.cache_clear()
    assert await role_seen(app, ana) == "vip"


async def test_a_configuration_change_is_seen_by_the_next_update(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "start"))
    await app.send(app.updates.command(ana, "start"))
    assert not any("redes" in x for x in app.labels(app.double.last_message(ana.id)))
    async with app.runtime.sessions.begin() as session:
        await update_config(session, instagram_url="https://instagram.com/diana")
    await app.send(app.updates.command(ana, "start"))
    assert any("redes" in x for x in app.labels(app.double.last_message(ana.id)))


async def test_a_warm_start_runs_few_statements(app: Harness, ana: TgUser) -> None:
    statements: list[str] = []
    commits: list[object] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    def commit(conn: object) -> None:
        commits.append(conn)

    await app.send(app.updates.command(ana, "start"))
    await app.send(app.updates.command(ana, "start"))
    engine = app.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", commit)
    try:
        await app.send(app.updates.command(ana, "start"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "commit", commit)
    data = [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")]
    if app.runtime.settings.redis_url:
        # The user's refresh, which also answers the ledger's done-mark question;
        # configuration and role come from the cache.
        assert len(data) <= 1, statements
    else:
        # SQLite: ledger claim and completion, FSM and variant memory live in the database.
        # Three transactions: the claim (which reads the FSM record), the context (user,
        # role, configuration, variant memory), the completion (which writes the memory).
        assert len(data) <= 8, statements
        assert len(commits) == 3, statements


async def test_a_first_start_asks_nothing_about_a_role_it_cannot_have(
    app: Harness, ana: TgUser
) -> None:
    # Grants and periods reference the user row: a row just created has none of either.
    statements: list[str] = []
    engine = app.runtime.engine.sync_engine

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        await app.send(app.updates.command(ana, "start"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert not any("admin_grants" in s or "subscriptions" in s for s in statements)
    assert await role_seen(app, ana) == "free"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # the Redis backend
async def test_redis_down_means_the_database(app: Harness, ana: TgUser) -> None:
    await settle_cache(app, ana, "free")
    dead = cache.UpdateContextCache(None, "x")

    class Down:
        async def eval(self, *args: object) -> None:
            raise ConnectionError("redis is down")

        def pipeline(self, **kwargs: object) -> None:
            raise ConnectionError("redis is down")

    dead.redis = Down()  # type: ignore[assignment]
    assert await dead.lookup(ana.id) == (None, None)
    failed = cache.stats["bump_failed"]
    await dead.bump({"roles"})
    assert cache.stats["bump_failed"] == failed + 1


async def test_a_failed_invalidation_never_fails_the_committed_write(
    app: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        async def bump(self, groups: set[str]) -> None:
            raise RuntimeError("a client from another loop")

    monkeypatch.setattr(app.runtime, "cache", lambda: Broken())
    failed = cache.stats["bump_failed"]
    async with app.runtime.sessions.begin() as session:
        await update_config(session, instagram_url="https://instagram.com/x")
    assert cache.stats["bump_failed"] == failed + 1
    async with app.runtime.sessions() as session:
        from lucien.access.config import get_config

        assert (await get_config(session)).instagram_url == "https://instagram.com/x"
