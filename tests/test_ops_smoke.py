"""The smoke tests run the real pipeline and leave no trace: every table's row count and
checksum are the same afterwards, Redis has no new key, and nothing reaches Telegram."""

from __future__ import annotations

from sqlalchemy import select

from lucien.db.models import User
from lucien.ops.diagnostics import smoke_tests
from lucien.telegram.double import TgUser
from tests.conftest import Harness
from tests.ops_support import fingerprint, healthy


async def _redis_keys(app: Harness) -> set[bytes]:
    client = app.runtime.redis()
    if client is None:
        return set()
    prefix = app.runtime.settings.redis_prefix
    return {k async for k in client.scan_iter(match=f"{prefix}*", count=500)}


async def test_smoke_tests_pass_and_change_nothing(app: Harness, ana: TgUser) -> None:
    await healthy(app.runtime, app.double)
    await app.send(app.updates.command(ana, "start"))  # real data to leave untouched
    before = await fingerprint(app.runtime)
    keys = await _redis_keys(app)
    calls = len(app.double.calls)

    cards = await smoke_tests(app.runtime)

    assert [(c.name, c.ok) for c in cards] == [
        ("smoke_start", True),
        ("smoke_redeem", True),
        ("smoke_cron", True),
    ], cards
    assert all(c.ms and c.ms > 0 for c in cards)
    redeem = next(c for c in cards if c.name == "smoke_redeem")
    assert redeem.facts["links"] == 1 and redeem.facts["sql"] > 0
    assert await fingerprint(app.runtime) == before
    assert await _redis_keys(app) == keys
    assert len(app.double.calls) == calls, app.double.calls[calls:]
    async with app.runtime.sessions() as session:
        assert list(await session.scalars(select(User.id))) == [ana.id]


async def test_a_broken_path_fails_its_smoke_test(app: Harness) -> None:
    """A smoke test that cannot complete says so (here: the ritual's link cannot be made
    because creating invite links fails) — and still leaves nothing behind."""
    await healthy(app.runtime, app.double)
    before = await fingerprint(app.runtime)
    from lucien.ops import diagnostics

    original = diagnostics.SmokeWorld.__aenter__

    async def broken(self: diagnostics.SmokeWorld) -> diagnostics.SmokeWorld:
        world = await original(self)
        assert world.double is not None
        world.double.fail("createChatInviteLink", 400, "Bad Request: not enough rights", times=None)
        return world

    diagnostics.SmokeWorld.__aenter__ = broken  # type: ignore[method-assign]
    try:
        cards = await smoke_tests(app.runtime)
    finally:
        diagnostics.SmokeWorld.__aenter__ = original  # type: ignore[method-assign]
    outcome = {c.name: (c.ok, c.problem) for c in cards}
    assert outcome["smoke_start"] == (True, None)
    assert outcome["smoke_redeem"] == (False, "failed")
    assert await fingerprint(app.runtime) == before
