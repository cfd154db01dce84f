"""The cron: expiry and removal, reminders, dry run, concurrency, budget, its three entries."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from lucien.access.config import update_config
from lucien.db.models import (
    AuditEntry,
    Base,
    InviteLink,
    JobRun,
    JoinRequest,
    ProcessedUpdate,
    ReminderSent,
    Subscription,
    User,
    VoiceHistory,
    utcnow,
)
from lucien.jobs.runner import run_cron
from lucien.runtime import Runtime
from lucien.telegram.double import TgUser
from lucien.telegram.double.errors import RESTRICT_RIGHTS
from lucien.telegram.limiter import Budget, Limiter
from lucien.web.cron import create_cron_app
from tests.access_support import (
    HOSTILE,
    calls,
    count,
    end_in,
    rows,
    set_subscription,
    shows_hostile_name,
    subscription_of,
)
from tests.conftest import ADMIN_ID, OWNER_ID, Backend, Harness, make_settings
from tests.factories import FREE, VIP, configure, make_invitation, make_plan

ROOT = Path(__file__).resolve().parents[1]
CHANGING = {
    "sendMessage",
    "banChatMember",
    "unbanChatMember",
    "approveChatJoinRequest",
    "declineChatJoinRequest",
    "revokeChatInviteLink",
    "createChatInviteLink",
    "editMessageText",
}


async def _member(app: Harness, who: TgUser, *, link: bool = True) -> Subscription:
    """A VIP member inside the channel (ritual done), with an open personal link."""
    plan = await make_plan(app.runtime, f"Plan {who.id}")
    invitation = await make_invitation(app.runtime, plan.id)
    await app.send(app.updates.command(who, "start", invitation.token))
    sub = await subscription_of(app.runtime, who.id)
    await set_subscription(app.runtime, sub.id, ritual_stage=4)
    app.double.set_member(VIP, who)
    if link:
        created = await app.runtime.bot.create_chat_invite_link(VIP, member_limit=1)
        async with app.runtime.sessions.begin() as session:
            await session.execute(
                insert(InviteLink).values(
                    user_id=who.id,
                    subscription_id=sub.id,
                    chat_id=VIP,
                    link=created.invite_link,
                    expires_at=utcnow() + timedelta(hours=20),
                )
            )
    return sub


async def _expired_member(app: Harness, who: TgUser, **kwargs: Any) -> Subscription:
    sub = await _member(app, who, **kwargs)
    await end_in(app.runtime, sub.id, -timedelta(minutes=1))
    app.double.clear_calls()
    return sub


def _removal_calls(app: Harness, user_id: int) -> list[str]:
    return [
        c.method
        for c in app.double.calls
        if c.ok
        and c.method in ("banChatMember", "unbanChatMember")
        and c.params.get("user_id") == user_id
    ]


async def test_expiry_removes_once_with_farewell_and_revoked_links(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    sub = await _expired_member(app, ana)
    link = (await rows(app.runtime, select(InviteLink.link)))[0]

    summary = await run_cron(app.runtime)
    again = await run_cron(app.runtime)

    assert summary["status"] == "ok", summary
    assert summary["counts"]["expiry"]["removed"] == 1
    assert "expiry" not in again["counts"]
    farewells = calls(app.double, "sendMessage", chat_id=ana.id)
    assert len(farewells) == 1 and "Diván" in farewells[0].params["text"]
    assert _removal_calls(app, ana.id) == ["banChatMember", "unbanChatMember"]
    unban = calls(app.double, "unbanChatMember", user_id=ana.id)[0]
    assert unban.params["only_if_banned"] is True
    assert not app.double.is_participant(VIP, ana.id)
    assert ana.id not in app.double.banned_users(VIP)
    assert [c.params["invite_link"] for c in calls(app.double, "revokeChatInviteLink")] == [link]
    stored = await subscription_of(app.runtime, ana.id)
    assert stored.id == sub.id and stored.status == "expired"
    assert stored.removed_at is not None and stored.farewell_sent_at is not None
    assert stored.claimed_until is None
    assert (await rows(app.runtime, select(InviteLink.revoked_at)))[0] is not None
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "subscription.expired") == 1
    runs = await rows(app.runtime, select(JobRun).order_by(JobRun.id))
    assert [r.status for r in runs] == ["ok", "ok"] and runs[0].finished_at is not None
    assert runs[0].counts["removed"] == 1 and runs[0].counts["farewells"] == 1


async def test_two_runs_at_the_same_moment_never_share_a_row(app: Harness) -> None:
    await configure(app.runtime, app.double)
    people = [TgUser(id=8000 + n, first_name=f"Alma {n}") for n in range(8)]
    for person in people:
        await _expired_member(app, person)
    app.double.clear_calls()

    first, second = await asyncio.gather(run_cron(app.runtime), run_cron(app.runtime))

    handled = [run["counts"].get("expiry", {}).get("expired", 0) for run in (first, second)]
    assert sum(handled) == len(people)
    for person in people:
        assert len(calls(app.double, "sendMessage", chat_id=person.id)) == 1
        assert _removal_calls(app, person.id) == ["banChatMember", "unbanChatMember"]
        assert (
            calls(app.double, "unbanChatMember", user_id=person.id)[0].params["only_if_banned"]
            is True
        )
    assert await count(app.runtime, Subscription, Subscription.status == "expired") == len(people)
    links = await rows(app.runtime, select(InviteLink))
    assert len(links) == len(people) and all(link.revoked_at for link in links)
    revoked = [c.params["invite_link"] for c in calls(app.double, "revokeChatInviteLink")]
    assert sorted(revoked) == sorted(link.link for link in links)  # each exactly once


async def test_a_renewal_before_the_run_is_never_removed(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana)
    plan = await make_plan(app.runtime, "Renovación")
    await app.send(
        app.updates.command(ana, "start", (await make_invitation(app.runtime, plan.id)).token)
    )
    app.double.clear_calls()

    await run_cron(app.runtime)

    assert _removal_calls(app, ana.id) == []
    assert calls(app.double, "sendMessage", chat_id=ana.id) == []
    assert app.double.is_participant(VIP, ana.id)


async def test_another_active_period_means_no_farewell(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    sub = await _expired_member(app, ana)
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(Subscription).values(
                user_id=ana.id,
                started_at=utcnow(),
                ends_at=utcnow() + timedelta(days=5),
                status="active",
                ritual_stage=4,
            )
        )

    summary = await run_cron(app.runtime)

    assert summary["counts"]["expiry"]["renewed"] == 1
    assert app.double.calls == []
    assert (
        await rows(app.runtime, select(Subscription.status).where(Subscription.id == sub.id))
    ) == ["expired"]


async def test_a_member_who_blocked_the_bot_is_still_removed(app: Harness) -> None:
    await configure(app.runtime, app.double)
    hostile = TgUser(id=6001, first_name=HOSTILE)
    await _expired_member(app, hostile)
    app.double.block_bot(hostile.id)

    summary = await run_cron(app.runtime)

    assert summary["counts"]["expiry"]["unreachable"] == 1
    assert _removal_calls(app, hostile.id) == ["banChatMember", "unbanChatMember"]
    assert (await rows(app.runtime, select(User.unreachable).where(User.id == hostile.id))) == [
        True
    ]


async def test_farewell_escapes_the_name(app: Harness) -> None:
    await configure(app.runtime, app.double)
    hostile = TgUser(id=6001, first_name=HOSTILE)
    await _expired_member(app, hostile)
    await run_cron(app.runtime)
    assert shows_hostile_name(app.double.last_message(hostile.id))


async def test_not_a_member_counts_as_removed(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)
    app.double.fail("banChatMember", 400, "Bad Request: user not found")
    await run_cron(app.runtime)
    sub = await subscription_of(app.runtime, ana.id)
    assert sub.status == "expired" and sub.removed_at is not None


async def test_refused_removals_back_off_are_reported_once_and_never_abandoned(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    sub = await _expired_member(app, ana, link=False)
    app.double.fail("banChatMember", 400, RESTRICT_RIGHTS, times=None)

    await run_cron(app.runtime)
    await run_cron(app.runtime)  # the retry is not due yet

    stored = await subscription_of(app.runtime, ana.id)
    assert stored.status == "active" and stored.removal_attempts == 1
    assert stored.removal_next_at is not None and stored.removal_next_at > utcnow()
    assert stored.claimed_until is None and "not enough rights" in (stored.removal_error or "")
    assert len(app.double.calls_to("banChatMember")) == 1
    assert len(calls(app.double, "sendMessage", chat_id=ana.id)) == 1  # farewell once

    for _ in range(12):
        await set_subscription(app.runtime, sub.id, removal_next_at=None)
        await run_cron(app.runtime)
    stored = await subscription_of(app.runtime, ana.id)
    assert stored.status == "active" and stored.removal_attempts == 13  # never given up
    assert len(app.double.calls_to("banChatMember")) == 13
    assert len(calls(app.double, "sendMessage", chat_id=ana.id)) == 1
    for admin in (OWNER_ID, ADMIN_ID):  # told once, after the third refusal
        notices = [
            c
            for c in calls(app.double, "sendMessage", chat_id=admin)
            if "No consigo" in c.params["text"]
        ]
        assert len(notices) == 1 and "tras 3 intentos" in notices[0].params["text"]
    assert stored.removal_reported_at is not None

    app.double.clear_faults()  # the rights are back
    await set_subscription(app.runtime, sub.id, removal_next_at=None)
    await run_cron(app.runtime)
    stored = await subscription_of(app.runtime, ana.id)
    assert stored.status == "expired" and stored.removed_at is not None
    assert not app.double.is_participant(VIP, ana.id)


async def test_reminders_once_per_offset(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double, creator_username="diana")
    sub = await _member(app, ana)
    ends_at = await end_in(app.runtime, sub.id, timedelta(hours=80))
    app.double.clear_calls()

    def at(hours_left: float) -> Any:
        return lambda: ends_at - timedelta(hours=hours_left)

    for hours_left in (79, 73, 71.5, 71, 50, 30, 25):
        await run_cron(app.runtime, clock=at(hours_left))
    assert len(calls(app.double, "sendMessage", chat_id=ana.id)) == 1

    for hours_left in (23.9, 20, 10, 1):
        await run_cron(app.runtime, clock=at(hours_left))
    reminders = calls(app.double, "sendMessage", chat_id=ana.id)
    assert len(reminders) == 2
    offsets = await rows(
        app.runtime, select(ReminderSent.offset_hours).order_by(ReminderSent.offset_hours)
    )
    assert offsets == [24, 72]

    # An extension is a new period: its reminders come again.
    new_end = await end_in(app.runtime, sub.id, timedelta(hours=23, minutes=30))
    await run_cron(app.runtime)
    await run_cron(app.runtime)
    assert len(calls(app.double, "sendMessage", chat_id=ana.id)) == 3
    assert await count(app.runtime, ReminderSent, ReminderSent.period_end == new_end) == 2


async def test_reminder_escapes_the_name(app: Harness) -> None:
    await configure(app.runtime, app.double)
    hostile = TgUser(id=6001, first_name=HOSTILE)
    sub = await _member(app, hostile)
    await end_in(app.runtime, sub.id, timedelta(hours=30))
    await run_cron(app.runtime)
    assert shows_hostile_name(app.double.last_message(hostile.id))
    assert "Fecha de término" in app.double.last_message(hostile.id)["text"]  # type: ignore[index]


async def test_entering_two_windows_at_once_sends_only_the_nearest(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    sub = await _member(app, ana)
    await end_in(app.runtime, sub.id, timedelta(hours=20))
    app.double.clear_calls()

    summary = await asyncio.gather(run_cron(app.runtime), run_cron(app.runtime))

    assert len(calls(app.double, "sendMessage", chat_id=ana.id)) == 1
    assert sum(s["counts"].get("reminders", {}).get("sent_24h", 0) for s in summary) == 1
    assert await count(app.runtime, ReminderSent) == 2


async def test_a_failed_reminder_is_retried_later(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    sub = await _member(app, ana)
    await end_in(app.runtime, sub.id, timedelta(hours=70))
    app.double.clear_calls()
    app.double.fail("sendMessage", 500, "Internal Server Error")

    await run_cron(app.runtime)
    assert await count(app.runtime, ReminderSent) == 0
    await run_cron(app.runtime)
    assert len(calls(app.double, "sendMessage", chat_id=ana.id)) == 1
    assert await count(app.runtime, ReminderSent) == 1


async def _snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    async with runtime.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            result = await conn.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(row) for row in result.all()]
    return out


@pytest.mark.parametrize("switch", ["flag", "config"])
async def test_dry_run_changes_nothing(app: Harness, ana: TgUser, switch: str) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=0)
    await _expired_member(app, ana)
    bruno = TgUser(id=5002, first_name="Bruno")
    sub = await _member(app, bruno)
    await end_in(app.runtime, sub.id, timedelta(hours=10))
    await app.send(app.double.join_request(FREE, TgUser(id=5003, first_name="Carla")))
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(ProcessedUpdate).values(
                update_id=999_999,
                status="done",
                claimed_at=utcnow() - timedelta(days=9),
                completed_at=utcnow() - timedelta(days=9),
            )
        )
        if switch == "config":
            await update_config(session, dry_run=True)
    app.double.clear_calls()
    before = await _snapshot(app.runtime)

    summary = await run_cron(app.runtime, dry_run=True if switch == "flag" else None)

    assert summary["dry_run"] is True and summary["run_id"] is not None
    assert [c.method for c in app.double.calls if c.method in CHANGING] == []
    after = await _snapshot(app.runtime)
    heartbeat = after.pop("job_runs")
    before.pop("job_runs")
    assert after == before  # nothing but the heartbeat
    (run,) = await rows(app.runtime, select(JobRun))
    assert run.dry_run is True and run.status == "ok" and run.finished_at is not None
    assert run.counts == {"would_remind": 1, "would_expire": 1, "would_approve": 1}
    assert len(heartbeat) == 1
    counts = summary["counts"]
    assert counts["expiry"]["would_expire"] == 1
    assert counts["reminders"]["would_send"] == 1
    assert counts["free"]["would_approve"] == 1
    assert counts["cleanup"]["would_delete_processed_updates"] == 1
    assert {p["kind"] for p in summary["planned"]} == {"remove", "remind", "approve"}


async def test_time_budget_stops_claiming_and_the_next_run_continues(app: Harness) -> None:
    await configure(app.runtime, app.double)
    people = [TgUser(id=8100 + n, first_name=f"Alma {n}") for n in range(30)]
    for person in people:
        await _expired_member(app, person, link=False)

    first = await run_cron(app.runtime, budget_seconds=1.5, limiter=Limiter(rate=25))

    assert first["budget_exhausted"] is True
    done = await count(app.runtime, Subscription, Subscription.status == "expired")
    assert 0 < done < len(people)
    assert await count(app.runtime, Subscription, Subscription.claimed_until.is_not(None)) == 0

    while await count(app.runtime, Subscription, Subscription.status == "active"):
        await run_cron(app.runtime, budget_seconds=5)
    for person in people:
        # A ban cut by the end of the budget is made again by the next run (idempotent).
        assert _removal_calls(app, person.id)[-2:] == ["banChatMember", "unbanChatMember"]
        assert not app.double.is_participant(VIP, person.id)
        assert person.id not in app.double.banned_users(VIP)
        assert len(calls(app.double, "sendMessage", chat_id=person.id)) == 1


async def test_cleanup_removes_old_rows(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    old = utcnow() - timedelta(days=40)
    await app.send(app.updates.command(ana, "start"))
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(ProcessedUpdate).values(
                update_id=999_999, status="done", claimed_at=old, completed_at=old
            )
        )
        await session.execute(update(ProcessedUpdate).values(completed_at=old))
        await session.execute(
            insert(JoinRequest).values(
                user_id=ana.id, chat_id=FREE, requested_at=old, status="approved", decided_at=old
            )
        )
        await session.execute(
            insert(VoiceHistory).values(
                user_id=ana.id, message_key="long.ago", recent="1,0", updated_at=old
            )
        )
        await session.execute(
            insert(VoiceHistory).values(
                user_id=ana.id, message_key="just.now", recent="2", updated_at=utcnow()
            )
        )
    recent_voice = await count(app.runtime, VoiceHistory) - 1
    summary = await run_cron(app.runtime)
    assert summary["counts"]["cleanup"]["processed_updates"] >= 1
    assert await count(app.runtime, ProcessedUpdate) == 0
    assert await count(app.runtime, JoinRequest) == 0
    assert summary["counts"]["cleanup"]["voice_history"] == 1
    assert recent_voice >= 1 and await count(app.runtime, VoiceHistory) == recent_voice


# -- the entries ---------------------------------------------------------------------------


async def test_http_endpoint_needs_the_bearer(
    app: Harness, backend: Backend, redis_prefix: str, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana)
    transport = httpx.ASGITransport(app=create_cron_app(app.runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://cron.test") as client:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "cron-secret"},
            {"Authorization": "Basic cron-secret"},
        ):
            response = await client.post("/cron", headers=headers)
            assert response.status_code == 401
        # The schedule's own route answers only events the scheduled handler turned into
        # requests, never an HTTP client (even one holding the secret).
        for path in ("/cron/scheduled", "/cron/scheduled?dry_run=0"):
            response = await client.post(path, headers={"Authorization": "Bearer cron-secret"})
            assert response.status_code == 404
        assert app.double.calls == []
        assert await count(app.runtime, JobRun) == 0

        dry = await client.post("/cron?dry_run=1", headers={"Authorization": "Bearer cron-secret"})
        assert dry.status_code == 200 and dry.json()["dry_run"] is True
        ok = await client.post("/cron", headers={"Authorization": "Bearer cron-secret"})
        assert ok.status_code == 200 and ok.json()["counts"]["expiry"]["removed"] == 1

    production = Runtime(
        make_settings(
            backend,
            redis_prefix,
            cron_secret="",
            lucien_env="production",
            database_url="postgresql://u@127.0.0.1:1/x",
        )
    )
    transport = httpx.ASGITransport(app=create_cron_app(production))
    async with httpx.AsyncClient(transport=transport, base_url="http://cron.test") as client:
        closed = await client.post("/cron", headers={"Authorization": "Bearer anything"})
    await production.aclose()
    assert closed.status_code == 503


def _in_new_loop(
    backend: Backend,
    redis_prefix: str,
    double: Any,
    event: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> dict[str, Any]:
    """What Lambda does: a fresh thread with its own event loop, the module's handler —
    its app made the way the module makes it, on this test's runtime."""
    import functions.cron_expiry as entry
    from lucien.web.lambda_handler import ensure_event_loop

    runtime = Runtime(
        make_settings(backend, redis_prefix),
        telegram_transport=httpx.ASGITransport(app=double.app),
        double=double,
    )
    patch = monkeypatch or pytest.MonkeyPatch()
    patch.setattr(entry, "get_runtime", lambda: runtime)
    patch.setattr(entry, "_lambda", entry.http_handler(create_cron_app(runtime), scheduled=True))
    try:
        return entry.handler(event, None)
    finally:
        ensure_event_loop().run_until_complete(runtime.aclose())
        if monkeypatch is None:
            patch.undo()


async def test_lambda_scheduled_event_runs_the_job(
    app: Harness,
    backend: Backend,
    redis_prefix: str,
    ana: TgUser,
) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana)
    scheduled = {
        "version": "0",
        "id": "e-1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": "2026-11-26T07:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:1:rule/lucien-cron"],
        "detail": {},
    }

    summary = await asyncio.to_thread(_in_new_loop, backend, redis_prefix, app.double, scheduled)

    assert summary["status"] == "ok" and summary["counts"]["expiry"]["removed"] == 1
    assert _removal_calls(app, ana.id) == ["banChatMember", "unbanChatMember"]

    dry = await asyncio.to_thread(
        _in_new_loop,
        backend,
        redis_prefix,
        app.double,
        {**scheduled, "detail": {"dry_run": True}},
    )
    assert dry["dry_run"] is True

    from tests.test_webhook import _apigw_v2_event

    denied = await asyncio.to_thread(
        _in_new_loop,
        backend,
        redis_prefix,
        app.double,
        _apigw_v2_event("POST", "/cron"),
    )
    assert denied["statusCode"] == 401
    allowed = await asyncio.to_thread(
        _in_new_loop,
        backend,
        redis_prefix,
        app.double,
        _apigw_v2_event("POST", "/cron", "", {"authorization": "Bearer cron-secret"}),
    )
    assert allowed["statusCode"] == 200 and json.loads(allowed["body"])["status"] == "ok"


async def test_module_runs_once_and_prints_json(
    app: Harness, backend: Backend, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    sub = await _member(app, ana)
    await end_in(app.runtime, sub.id, timedelta(hours=5))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOT_TOKEN", "REDIS_URL", "WEBHOOK_SECRET", "LUCIEN_ENV")
    }
    env["DATABASE_URL"] = backend.database_url
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "functions.cron_expiry"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["counts"]["reminders"]["sent"] == 1  # sent to the sandbox's own double
    assert await count(app.runtime, ReminderSent) == 2
    assert await count(app.runtime, JobRun) == 1
    count_rows = await rows(app.runtime, select(func.count()).select_from(JobRun))
    assert count_rows == [1]


# -- the limiter on its own ------------------------------------------------------------------


async def test_limiter_paces_overall_and_per_chat() -> None:
    clock = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = Limiter(rate=25, per_chat_interval=1.0, clock=lambda: clock[0], sleep=sleep)

    async def ok() -> str:
        return "ok"

    for chat in range(50):
        await limiter.run(ok, chat_id=chat)
    assert abs(clock[0] - 49 / 25) < 1e-6  # 25 per second overall
    start = clock[0]
    for _ in range(3):
        await limiter.run(ok, chat_id=7)
    assert clock[0] - start >= 2.0  # one per second to one chat


async def test_limiter_gives_back_when_a_flood_wait_outlasts_the_budget() -> None:
    from aiogram.exceptions import TelegramRetryAfter
    from aiogram.methods import SendMessage

    from lucien.telegram.limiter import BudgetExhausted

    async def flooded() -> None:
        raise TelegramRetryAfter(SendMessage(chat_id=1, text="x"), "Too Many Requests", 30)

    limiter = Limiter(budget=Budget(5))
    with pytest.raises(BudgetExhausted):
        await limiter.run(flooded, chat_id=1)


async def test_concurrent_claims_are_disjoint(app: Harness) -> None:
    """Many claims racing for the same due rows: every row goes to exactly one of them."""
    from lucien.jobs import expiry, free_approvals
    from lucien.jobs.context import CronContext, read_config

    await configure(app.runtime, app.double, free_wait_minutes=0)
    async with app.runtime.sessions.begin() as session:
        for n in range(40):
            await session.execute(insert(User).values(id=9000 + n, first_name=f"Alma {n}"))
            await session.execute(
                insert(Subscription).values(
                    user_id=9000 + n,
                    started_at=utcnow() - timedelta(days=30),
                    ends_at=utcnow() - timedelta(minutes=n + 1),
                    status="active",
                    ritual_stage=4,
                )
            )
            await session.execute(
                insert(JoinRequest).values(
                    user_id=9000 + n,
                    chat_id=FREE,
                    requested_at=utcnow() - timedelta(hours=1),
                    status="pending",
                )
            )
    config = await read_config(app.runtime)

    def context() -> CronContext:
        budget = Budget(30)
        return CronContext(
            runtime=app.runtime,
            config=config,
            dry_run=False,
            budget=budget,
            limiter=Limiter(budget=budget),
        )

    for module in (expiry, free_approvals):
        claimed = await asyncio.gather(*(module.claim(context(), 6) for _ in range(12)))
        flat = [row_id for batch in claimed for row_id in batch]
        assert len(flat) == 40 and len(set(flat)) == 40, claimed
