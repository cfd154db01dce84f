"""The update ledger on each store: claim once, busy while claimed, done after completion."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import insert, text

from lucien.ledger import (
    AlreadyDone,
    Claim,
    DatabaseLedger,
    DatabaseWrite,
    FallbackLedger,
    RedisLedger,
    carry,
    carrying,
    check_done_mark,
    take_carried,
    verify_done_mark,
)
from lucien.pipeline import ledger_for
from lucien.runtime import Runtime


async def _ledgers(runtime: Runtime) -> list:
    found: list = [DatabaseLedger(runtime.sessions, lease_seconds=60)]
    redis = runtime.redis()
    if redis is not None:
        found.append(RedisLedger(redis, runtime.settings.redis_prefix, lease_seconds=60))
    return found


async def test_claim_complete_release(runtime: Runtime) -> None:
    for ledger in await _ledgers(runtime):
        assert (await ledger.claim(1)).claim is Claim.NEW
        assert (await ledger.claim(1)).claim is Claim.BUSY
        await ledger.release(1)
        assert (await ledger.claim(1)).claim is Claim.NEW
        await ledger.complete(1)
        assert (await ledger.claim(1)).claim is Claim.DONE
        await ledger.release(1)  # never undoes a completed update
        assert (await ledger.claim(1)).claim is Claim.DONE


async def test_concurrent_claims_have_one_winner(runtime: Runtime) -> None:
    for i, ledger in enumerate(await _ledgers(runtime)):
        results = [
            t.claim for t in await asyncio.gather(*(ledger.claim(100 + i) for _ in range(20)))
        ]
        assert results.count(Claim.NEW) == 1
        assert results.count(Claim.BUSY) == 19


async def test_expired_lease_can_be_taken_over(runtime: Runtime) -> None:
    ledger = DatabaseLedger(runtime.sessions, lease_seconds=60)
    assert (await ledger.claim(7)).claim is Claim.NEW
    ledger.lease = ledger.lease * 0  # every existing claim is now stale
    await asyncio.sleep(0.01)
    assert (await ledger.claim(7)).claim is Claim.NEW


async def test_fallback_to_database_when_redis_is_down(runtime: Runtime) -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    database = DatabaseLedger(runtime.sessions, lease_seconds=60)
    ledger = FallbackLedger(RedisLedger(dead, "x:", 60), database)
    assert (await ledger.claim(55)).claim is Claim.NEW
    await ledger.complete(55)
    assert (await database.claim(55)).claim is Claim.DONE
    await dead.aclose()


async def test_ledger_choice(runtime: Runtime) -> None:
    chosen = ledger_for(runtime)
    if runtime.settings.redis_url:
        assert isinstance(chosen, FallbackLedger)
    else:
        assert isinstance(chosen, DatabaseLedger)


@pytest.mark.parametrize("n", [3])
async def test_fsm_storage_roundtrip(runtime: Runtime, n: int) -> None:
    from aiogram.fsm.storage.base import StorageKey

    from lucien.pipeline import storage_for

    storage = storage_for(runtime)
    key = StorageKey(bot_id=1, chat_id=2, user_id=3)
    assert await storage.get_state(key) is None
    await storage.set_state(key, "Wizard:step")
    await storage.set_data(key, {"n": n, "name": "<b>Ana</b>"})
    # A new storage object (a new request) sees the same state.
    again = storage_for(runtime)
    assert await again.get_state(key) == "Wizard:step"
    assert await again.get_data(key) == {"n": n, "name": "<b>Ana</b>"}
    await again.set_state(key, None)
    await again.set_data(key, {})
    assert await storage_for(runtime).get_state(key) is None
    assert await storage_for(runtime).get_data(key) == {}


async def test_completion_falls_back_to_the_database_when_redis_fails_after_the_work(
    runtime: Runtime,
) -> None:
    redis = runtime.redis()
    if redis is None:
        pytest.skip("needs Redis")
    database = DatabaseLedger(runtime.sessions, lease_seconds=60)
    prefix = runtime.settings.redis_prefix
    ledger = FallbackLedger(RedisLedger(redis, prefix, 60, verify=True), database)
    assert (await ledger.claim(77)).claim is Claim.NEW
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    ledger.primary.redis = dead  # Redis goes away while the update is being handled
    await ledger.complete(77)
    await dead.aclose()
    assert await database.is_done(77)
    # Redis is back and still holds the stale "processing" claim; once that lease is gone
    # (forgotten here), a fresh claim is new to Redis but unverified: the update's first
    # transaction finds the database's done mark before any handler runs.
    await redis.delete(f"{prefix}update:77")
    ticket = await RedisLedger(redis, prefix, 60, verify=True).claim(77)
    assert ticket.claim is Claim.NEW and ticket.unverified
    with verify_done_mark(ticket, 77):
        async with runtime.sessions() as session:
            with pytest.raises(AlreadyDone):
                await check_done_mark(session)
    fresh = await RedisLedger(redis, prefix, 60, verify=True).claim(78)
    with verify_done_mark(fresh, 78):
        async with runtime.sessions() as session:
            await check_done_mark(session)  # no mark: the update runs


async def test_attempts_are_counted_across_claims(runtime: Runtime) -> None:
    for ledger in await _ledgers(runtime):
        first = await ledger.claim(88)
        assert first.attempt == 1 and first.first_attempt_at is not None
        await ledger.release(88)
        second = await ledger.claim(88)
        assert second.attempt == 2
        assert second.first_attempt_at == pytest.approx(
            first.first_attempt_at, abs=timedelta(milliseconds=10)
        )
        await ledger.complete(88)


async def test_a_completion_no_store_takes_is_logged_and_answered_200(
    app, ana, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    async def refuse(self: object, update_id: int) -> None:
        raise OSError("store unreachable")

    monkeypatch.setattr(DatabaseLedger, "complete", refuse)
    monkeypatch.setattr(RedisLedger, "complete", refuse)
    response = await app.post(app.updates.command(ana, "/start"))
    assert response.status_code == 200 and response.json()["outcome"] == "handled"
    assert "no ledger took the done mark" in caplog.text
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_the_database_claim_carries_the_fsm_read(runtime: Runtime) -> None:
    """Without Redis the claim also reads the FSM record the update will ask for;
    the storage serves that answer once, and a write in between is never answered stale."""
    from aiogram.fsm.storage.base import StorageKey

    from lucien.bot.storage import DatabaseStorage, fsm_read
    from lucien.cache import serving

    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    storage = DatabaseStorage(runtime.sessions)
    await storage.set_state(key, "Wizard:step")
    ledger = DatabaseLedger(runtime.sessions, lease_seconds=60)
    ticket = await ledger.claim(301, [fsm_read(key), ("GET", "a redis read: not for here")])
    assert ticket.claim is Claim.NEW and ticket.prefetched is not None
    assert list(ticket.prefetched) == [fsm_read(key).command]
    with serving(ticket.prefetched):
        await storage.set_state(key, "Wizard:other")  # after the claim read it
        assert await storage.get_state(key) == "Wizard:other"  # the write dropped the answer
    ticket = await ledger.claim(302, [fsm_read(key)])
    with serving(ticket.prefetched):
        await storage.set_data(key, {"n": 1})  # the state read still comes from the claim
        async with runtime.sessions.begin() as session:  # a change the claim did not see
            await session.execute(text("UPDATE fsm_states SET state = 'Wizard:later'"))
        assert await storage.get_state(key) == "Wizard:later"  # set_data dropped it too
    ticket = await ledger.claim(303, [fsm_read(key)])
    async with runtime.sessions.begin() as session:
        await session.execute(text("UPDATE fsm_states SET state = 'Wizard:last'"))
    with serving(ticket.prefetched):
        assert await storage.get_state(key) == "Wizard:later"  # served from the claim, once
        assert await storage.get_state(key) == "Wizard:last"  # then read again
    # A busy or repeated claim carries nothing: a redelivery reads afresh.
    assert (await ledger.claim(303, [fsm_read(key)])).prefetched is None
    await ledger.release(303)
    retaken = await ledger.claim(303, [fsm_read(key)])
    assert retaken.attempt == 2 and retaken.prefetched is None


async def test_the_database_completion_carries_held_writes(runtime: Runtime) -> None:
    """On the database ledger alone, writes held during the update (the variant memory)
    are written by the completion; one that fails never costs the done mark; a failed
    update drops them; with Redis in front nothing is held (the done mark goes to Redis)."""
    from lucien.db.models import VoiceHistory, utcnow
    from lucien.voice import DatabaseVariantHistory

    history = DatabaseVariantHistory(runtime.sessions)
    ledger = DatabaseLedger(runtime.sessions, lease_seconds=60)
    assert (await ledger.claim(401)).claim is Claim.NEW
    with carrying(ledger):
        await history.save(9, {"a.b": [1, 0]})
        assert await history.load(9) == {}  # held, not written yet
        await ledger.complete(401, take_carried())
    assert await history.load(9) == {"a.b": [1, 0]}
    assert await ledger.is_done(401)

    bad = insert(VoiceHistory).values(user_id=9, message_key=None, recent="", updated_at=utcnow())
    assert (await ledger.claim(402)).claim is Claim.NEW
    with carrying(ledger):
        await history.save(9, {"c.d": [2]})
        assert carry(DatabaseWrite(bad, {}))
        await ledger.complete(402, take_carried())
    assert await ledger.is_done(402)  # the failing write never costs the done mark
    assert (await history.load(9))["a.b"] == [1, 0]

    with carrying(ledger):
        await history.save(9, {"e.f": [0]})
    assert "e.f" not in await history.load(9)  # the update never completed
    assert not carry(DatabaseWrite(bad, {}))  # outside an update: written at once
    if runtime.redis() is not None:
        with carrying(ledger_for(runtime)):
            await history.save(9, {"g.h": [1]})
        assert (await history.load(9))["g.h"] == [1]
