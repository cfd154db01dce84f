"""The Free channel: join requests through the webhook, approvals by the cron."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, update

from lucien.db.models import JoinRequest, User, utcnow
from lucien.jobs.runner import run_cron
from lucien.telegram.double import TgUser
from tests.access_support import HOSTILE, button, buttons, calls, count, rows, shows_hostile_name
from tests.conftest import Harness
from tests.factories import FREE, configure, configure_with_other_channel

SOCIAL = {
    "instagram_url": "https://instagram.com/diana",
    "free_invite_link": "https://t.me/+vestibulo",
}


async def _request(app: Harness, who: TgUser) -> None:
    await app.send(app.double.join_request(FREE, who))


async def _age(app: Harness, minutes: int) -> None:
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            update(JoinRequest).values(requested_at=utcnow() - timedelta(minutes=minutes))
        )


async def test_request_is_recorded_and_welcomed_with_configured_profiles(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10, **SOCIAL)
    await _request(app, ana)

    pending = await rows(app.runtime, select(JoinRequest))
    assert [(r.user_id, r.chat_id, r.status) for r in pending] == [(ana.id, FREE, "pending")]
    welcome = app.double.last_message(ana.id)
    assert welcome is not None and "10 minutos" in welcome["text"]
    urls = [b.get("url") for b in buttons(welcome)]
    assert urls == ["https://instagram.com/diana"]  # only the configured network

    app.double.now = lambda: time.time() + 30  # asked again a little later:
    await _request(app, ana)  # acknowledged, never declined
    assert await count(app.runtime, JoinRequest) == 1
    assert "no hace falta repetirla" in app.texts_to(ana.id)[-1]
    assert calls(app.double, "declineChatJoinRequest") == []
    assert app.double.pending_join_requests(FREE) == [ana.id]


async def test_request_for_another_chat_is_left_alone(app: Harness, ana: TgUser) -> None:
    other = await configure_with_other_channel(app.runtime, app.double)
    await app.send(app.double.join_request(other, ana))
    assert await count(app.runtime, JoinRequest) == 0
    assert app.double.calls == []


async def test_approved_only_after_the_wait(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10, **SOCIAL)
    await _request(app, ana)

    await run_cron(app.runtime)
    assert calls(app.double, "approveChatJoinRequest") == []
    await _age(app, 9)
    await run_cron(app.runtime)
    assert calls(app.double, "approveChatJoinRequest") == []

    await _age(app, 11)
    summary = await run_cron(app.runtime)
    await run_cron(app.runtime)

    assert len(calls(app.double, "approveChatJoinRequest", chat_id=FREE, user_id=ana.id)) == 1
    assert summary["counts"]["free"]["approved"] == 1
    request = (await rows(app.runtime, select(JoinRequest)))[0]
    assert request.status == "approved" and request.decided_at is not None
    assert app.double.is_participant(FREE, ana.id)
    approved = app.double.last_message(ana.id)
    assert button(approved, "Entrar al Vestíbulo")["url"] == "https://t.me/+vestibulo"


async def test_user_already_participant_closes_the_request(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=0)
    await _request(app, ana)
    app.double.set_member(FREE, ana)

    await run_cron(app.runtime)
    await run_cron(app.runtime)

    request = (await rows(app.runtime, select(JoinRequest)))[0]
    assert request.status == "closed" and "USER_ALREADY_PARTICIPANT" in (request.last_error or "")
    assert len(calls(app.double, "approveChatJoinRequest")) == 0  # only failed calls
    assert len(app.double.calls_to("approveChatJoinRequest")) == 1


async def test_a_blocked_bot_does_not_stop_the_approval(app: Harness) -> None:
    hostile = TgUser(id=6001, first_name=HOSTILE)
    await configure(app.runtime, app.double, free_wait_minutes=0)
    await _request(app, hostile)
    assert shows_hostile_name(app.double.last_message(hostile.id))
    app.double.block_bot(hostile.id)
    carla = TgUser(id=6002, first_name=HOSTILE + " Carla")
    await _request(app, carla)

    summary = await run_cron(app.runtime)

    assert summary["status"] == "ok"
    assert (await rows(app.runtime, select(JoinRequest.status))) == ["approved", "approved"]
    assert shows_hostile_name(app.double.last_message(carla.id))  # the "approved" DM
    assert app.double.is_participant(FREE, hostile.id)
    assert (await rows(app.runtime, select(User.unreachable).where(User.id == hostile.id))) == [
        True
    ]


async def test_flood_control_is_honoured(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=0)
    await _request(app, ana)
    app.double.fail_retry_after("approveChatJoinRequest", 1)

    started = time.monotonic()
    summary = await run_cron(app.runtime)

    assert time.monotonic() - started >= 1.0
    attempts = app.double.calls_to("approveChatJoinRequest")
    assert [c.error_code for c in attempts] == [429, None]
    assert summary["flood_waits"] == 1 and summary["counts"]["free"]["approved"] == 1


async def test_refusals_back_off_and_give_up(app: Harness, ana: TgUser) -> None:
    """Definitive refusals count (a 5xx or a network error does not: test_cron_outages)."""
    await configure(app.runtime, app.double, free_wait_minutes=0)
    await _request(app, ana)
    app.double.fail("approveChatJoinRequest", 400, "Bad Request: CHAT_ADMIN_REQUIRED", times=None)

    await run_cron(app.runtime)
    await run_cron(app.runtime)  # too early for the retry

    request = (await rows(app.runtime, select(JoinRequest)))[0]
    assert request.status == "pending" and request.attempts == 1
    assert request.next_attempt_at is not None and request.next_attempt_at > utcnow()
    assert request.claimed_until is None
    assert len(app.double.calls_to("approveChatJoinRequest")) == 1

    for _ in range(10):
        async with app.runtime.sessions.begin() as session:
            await session.execute(update(JoinRequest).values(next_attempt_at=None))
        await run_cron(app.runtime)
    request = (await rows(app.runtime, select(JoinRequest)))[0]
    assert request.status == "failed" and request.attempts == 6
    assert len(app.double.calls_to("approveChatJoinRequest")) == 6  # never forever
