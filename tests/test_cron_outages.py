"""The cron while Telegram misbehaves: faults injected in the Telegram double.

Network errors and 5xx are not attempts; a hanging Telegram cannot stretch a run past its
budget; overlapping runs keep one rate; a crash after a farewell does not repeat it; a
renewal right before the ban is never removed; intruders the bot cannot remove are
reported; dry runs leave a heartbeat; one reading of ``dry_run`` at every door.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lucien.callbacks import AdminSection as S
from lucien.db.models import AuditEntry, JobRun, JoinRequest, Subscription
from lucien.jobs.expiry import run_expiry
from lucien.jobs.pacing import shared_pacer
from lucien.jobs.reminders import run_reminders
from lucien.jobs.runner import run_cron
from lucien.runtime import Runtime
from lucien.services.dashboard import collect
from lucien.switches import BadSwitch, parse_switch
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.telegram.double.errors import RESTRICT_RIGHTS
from lucien.telegram.limiter import Limiter, Pacer
from lucien.web.cron import create_cron_app
from tests.access_support import calls, count, end_in, rows, subscription_of
from tests.admin_support import cb
from tests.conftest import ADMIN_ID, OWNER_ID, Backend, Harness, make_settings
from tests.factories import FREE, VIP, configure, make_invitation, make_plan
from tests.test_cron import _expired_member, _in_new_loop, _member, _removal_calls

FAULTS = ["500", "network", "bad_gateway"]


def _inject(double: TelegramDouble, method: str, fault: str) -> None:
    if fault == "500":
        double.fail(method, 500, "Internal Server Error", times=None)
    elif fault == "network":
        double.fail_network(method, times=None)
    else:
        double.fail_network(method, times=None, mode="bad_gateway")


def _farewells(app: Harness, user_id: int) -> list[Any]:
    return [
        c for c in calls(app.double, "sendMessage", chat_id=user_id) if "Diván" in c.params["text"]
    ]


# -- transient failures are not attempts ---------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
async def test_removal_during_an_outage_is_not_an_attempt(
    app: Harness, ana: TgUser, fault: str
) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)
    _inject(app.double, "banChatMember", fault)

    first = await run_cron(app.runtime)
    second = await run_cron(app.runtime)  # the next run tries again at once

    assert first["counts"]["expiry"]["retry_later"] == 1
    assert second["counts"]["expiry"]["retry_later"] == 1
    assert len(app.double.calls_to("banChatMember")) == 2
    stored = await subscription_of(app.runtime, ana.id)
    assert stored.status == "active" and stored.removal_attempts == 0
    assert stored.removal_next_at is None and stored.claimed_until is None
    assert stored.removal_reported_at is None

    app.double.clear_faults()
    await run_cron(app.runtime)
    stored = await subscription_of(app.runtime, ana.id)
    assert stored.status == "expired" and stored.removed_at is not None
    assert not app.double.is_participant(VIP, ana.id)
    assert len(_farewells(app, ana.id)) == 1


@pytest.mark.parametrize("fault", FAULTS)
async def test_approval_during_an_outage_is_not_an_attempt(app: Harness, fault: str) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=0)
    carla = TgUser(id=5003, first_name="Carla")
    await app.send(app.double.join_request(FREE, carla))
    _inject(app.double, "approveChatJoinRequest", fault)

    await run_cron(app.runtime)
    await run_cron(app.runtime)

    assert len(app.double.calls_to("approveChatJoinRequest")) == 2
    (request,) = await rows(app.runtime, select(JoinRequest))
    assert request.status == "pending" and request.attempts == 0
    assert request.next_attempt_at is None and request.claimed_until is None

    app.double.clear_faults()
    await run_cron(app.runtime)
    (request,) = await rows(app.runtime, select(JoinRequest))
    assert request.status == "approved"
    assert app.double.is_participant(FREE, carla.id)


async def test_a_refused_approval_is_an_attempt(app: Harness) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=0)
    await app.send(app.double.join_request(FREE, TgUser(id=5003, first_name="Carla")))
    app.double.fail("approveChatJoinRequest", 400, "Bad Request: CHAT_ADMIN_REQUIRED")

    await run_cron(app.runtime)

    (request,) = await rows(app.runtime, select(JoinRequest))
    assert request.status == "pending" and request.attempts == 1
    assert request.next_attempt_at is not None


# -- a hanging Telegram --------------------------------------------------------------------


async def test_a_hanging_telegram_cannot_stretch_the_run(app: Harness) -> None:
    await configure(app.runtime, app.double)
    people = [TgUser(id=8300 + n, first_name=f"Alma {n}") for n in range(3)]
    for person in people:
        await _expired_member(app, person, link=False)
    app.double.fail_network("*", times=None, mode="hang")

    started = time.monotonic()
    summary = await asyncio.wait_for(run_cron(app.runtime, budget_seconds=2), timeout=30)
    took = time.monotonic() - started

    assert took < 2 + 1.5, took
    assert summary["budget_exhausted"] is True
    assert await count(app.runtime, Subscription, Subscription.claimed_until.is_not(None)) == 0
    (run,) = await rows(app.runtime, select(JobRun))
    assert run.finished_at is not None

    # Telegram is back: the next run removes everyone; a farewell that may have arrived
    # while Telegram hung is not sent again.
    app.double.clear_faults()
    await run_cron(app.runtime)
    for person in people:
        assert _removal_calls(app, person.id) == ["banChatMember", "unbanChatMember"]
        assert len(_farewells(app, person.id)) <= 1


# -- one rate for overlapping runs ---------------------------------------------------------


async def test_overlapping_runs_on_two_instances_share_the_rate(
    app: Harness, backend: Backend, redis_prefix: str
) -> None:
    rate = 10
    await configure(app.runtime, app.double)
    for n in range(8):
        await _expired_member(app, TgUser(id=8400 + n, first_name=f"Alma {n}"), link=False)
    for n in range(16):
        sub = await _member(app, TgUser(id=8500 + n, first_name=f"Bea {n}"), link=False)
        await end_in(app.runtime, sub.id, timedelta(hours=20))
    app.double.clear_calls()
    stamps: list[float] = []
    handle = app.double.handle

    def stamped(method: str, params: dict[str, Any], **kwargs: Any) -> Any:
        stamps.append(time.monotonic())
        return handle(method, params, **kwargs)

    app.double.handle = stamped  # type: ignore[method-assign]
    instances = [
        Runtime(
            make_settings(backend, redis_prefix, cron_telegram_rate=rate),
            telegram_transport=httpx.ASGITransport(app=app.double.app),
            double=app.double,
        )
        for _ in range(2)
    ]
    try:
        first, second = await asyncio.gather(
            run_cron(instances[0], steps=(("expiry", run_expiry),)),
            run_cron(instances[1], steps=(("reminders", run_reminders),)),
        )
    finally:
        for instance in instances:
            await instance.aclose()

    assert first["counts"]["expiry"]["removed"] == 8
    assert second["counts"]["reminders"]["sent"] == 16
    assert len(stamps) == 8 * 3 + 16
    # Over any two seconds (a scheduler on a busy machine may wake a sleeper late and
    # bunch two calls; the long-run pace is what Telegram counts): unshared, the two runs
    # would make about 4 × rate calls there.
    busiest = max(sum(1 for t in stamps if start <= t < start + 2.0) for start in stamps)
    assert busiest <= 2 * rate + 3, busiest


async def test_the_pacer_falls_back_to_the_database_when_redis_fails(
    backend: Backend, runtime: Runtime
) -> None:
    if backend.name != "postgres":
        pytest.skip("Redis is only configured with PostgreSQL")
    pacer = shared_pacer(runtime)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("redis is down")

    runtime.redis().eval = broken  # type: ignore[union-attr, method-assign]
    slots = []
    for _ in range(3):
        delay = await pacer.reserve(1.0, 10)
        assert delay is not None
        slots.append(time.monotonic() + delay)
    assert abs(slots[2] - slots[1] - 1.0) < 0.05, slots  # still one slot a second


async def test_a_slot_beyond_the_budget_is_not_taken(runtime: Runtime) -> None:
    pacer: Pacer = shared_pacer(runtime)
    assert await pacer.reserve(5.0, 1.0) is not None
    assert await pacer.reserve(5.0, 1.0) is None  # 5 s away: more than the 1 s left
    later = await pacer.reserve(0.1, 10.0)
    assert later is not None and 4.0 < later <= 5.05  # the refused slot was not taken


# -- a crash between the farewell and its record -------------------------------------------


class Crash(BaseException):
    """The process dies here: nothing after this point runs."""


async def test_a_crash_after_the_farewell_does_not_send_it_twice(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)
    handle = app.double.handle

    def crash_after_farewell(method: str, params: dict[str, Any], **kwargs: Any) -> Any:
        answer = handle(method, params, **kwargs)
        if method == "sendMessage" and params.get("chat_id") == ana.id:
            app.double.handle = handle  # type: ignore[method-assign]
            raise Crash
        return answer

    app.double.handle = crash_after_farewell  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await run_cron(app.runtime)
    assert len(_farewells(app, ana.id)) == 1  # it left before the crash

    # The process restarts; once the crashed run's lease is over, the next run goes on.
    await run_cron(app.runtime, clock=lambda: ana_now() + timedelta(minutes=10))

    assert len(_farewells(app, ana.id)) == 1
    assert _removal_calls(app, ana.id) == ["banChatMember", "unbanChatMember"]
    assert (await subscription_of(app.runtime, ana.id)).status == "expired"


def ana_now() -> Any:
    from lucien.db.models import utcnow

    return utcnow()


# -- a renewal racing the ban --------------------------------------------------------------


class RenewBeforeTheBan:
    """A pacer that lets a renewal land right after the ban's slot is granted, the last
    moment before the ban (the farewell is the first call, the ban the second)."""

    def __init__(self, inner: Pacer, renew: Any) -> None:
        self.inner, self.renew, self.calls = inner, renew, 0

    async def reserve(self, interval: float, max_delay: float) -> float | None:
        self.calls += 1
        slot = await self.inner.reserve(interval, max_delay)
        if self.calls == 2:
            await self.renew()
        return slot

    async def hold(self, seconds: float) -> None:
        await self.inner.hold(seconds)


async def _renewal(app: Harness, who: TgUser) -> Any:
    plan = await make_plan(app.runtime, "Renovación")
    token = (await make_invitation(app.runtime, plan.id)).token
    return lambda: app.send(app.updates.command(who, "start", token))


async def test_a_renewal_just_before_the_ban_is_never_removed(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    old = await _expired_member(app, ana, link=False)
    renew = await _renewal(app, ana)
    limiter = Limiter(pacer=RenewBeforeTheBan(shared_pacer(app.runtime), renew))

    summary = await run_cron(app.runtime, limiter=limiter)

    assert summary["counts"]["expiry"].get("removed", 0) == 0
    assert app.double.calls_to("banChatMember") == []
    assert app.double.is_participant(VIP, ana.id)
    current = await subscription_of(app.runtime, ana.id)
    assert current.id != old.id and current.status == "active"


async def test_a_renewal_during_the_ban_is_let_back_in(app: Harness, ana: TgUser) -> None:
    """Telegram is already banning when the renewal commits: the ban is lifted and the
    renewed member's /start hands them a personal link."""
    await configure(app.runtime, app.double)
    old = await _expired_member(app, ana, link=False)
    renew = await _renewal(app, ana)
    app.double.set_member(VIP, ana)

    class RenewDuringBan:
        def __init__(self, inner: Any) -> None:
            self.inner = inner
            self.done = False

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if (
                not self.done
                and scope["type"] == "http"
                and scope["path"].endswith("/banChatMember")
            ):
                self.done = True
                await renew()
            await self.inner(scope, receive, send)

    other = Runtime(
        app.runtime.settings,
        telegram_transport=httpx.ASGITransport(app=RenewDuringBan(app.double.app)),
        double=app.double,
    )
    try:
        summary = await run_cron(other)
    finally:
        await other.aclose()

    assert summary["counts"]["expiry"].get("removed", 0) == 0
    assert ana.id not in app.double.banned_users(VIP)  # the ban is lifted
    (stored,) = await rows(app.runtime, select(Subscription).where(Subscription.id == old.id))
    assert stored.status == "expired"
    current = await subscription_of(app.runtime, ana.id)
    assert current.id != old.id and current.status == "active"
    # Her renewal's ritual ends with a personal link, so she can come back in.
    assert current.ritual_stage in (1, 2, 3)


# -- intruders the bot cannot remove -------------------------------------------------------


async def test_an_intruder_whose_ban_is_refused_is_reported_and_the_update_settles(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double, notify_unauthorized_joins=False)
    app.double.set_bot_member(VIP)  # the bot lost its administrator rights
    update = app.double.member_joins(VIP, ana)

    response = await app.post(update)

    assert response.status_code == 200
    assert app.double.is_participant(VIP, ana.id)
    for admin in (OWNER_ID, ADMIN_ID):  # told even with join notices switched off
        notice = app.double.last_message(admin)
        assert notice is not None and "No he podido retirarle" in notice["text"]
    assert app.double.sent_messages(ana.id) == []  # not told she was shown out
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "vip.intruder_kept") == 1


async def test_an_intruder_during_an_outage_is_redelivered(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    app.double.fail("banChatMember", 502, "Bad Gateway")
    update = app.double.member_joins(VIP, ana)

    assert (await app.post(update)).status_code != 200  # Telegram will deliver it again
    assert app.double.sent_messages(OWNER_ID) == []

    assert (await app.post(update)).status_code == 200
    assert not app.double.is_participant(VIP, ana.id)


async def test_an_intruder_whose_unban_is_refused_still_settles(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    app.double.fail("unbanChatMember", 400, RESTRICT_RIGHTS)

    assert (await app.post(app.double.member_joins(VIP, ana))).status_code == 200
    assert not app.double.is_participant(VIP, ana.id)  # out (though still banned)


# -- dry runs leave a heartbeat -------------------------------------------------------------


async def test_a_dry_run_heartbeat_is_never_taken_for_a_real_run(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)

    await run_cron(app.runtime, dry_run=True)
    data = await collect(app.runtime)
    assert data.last_run is None  # no real round yet
    assert data.last_rehearsal is not None and data.last_rehearsal.dry_run
    assert data.last_rehearsal.counts == {"would_remind": 0, "would_expire": 1, "would_approve": 0}
    assert "cron_never" not in data.warnings  # but the cron is alive

    await run_cron(app.runtime)
    data = await collect(app.runtime)
    assert data.last_run is not None and not data.last_run.dry_run
    assert data.last_run.counts["removed"] == 1 and data.last_rehearsal is None

    await run_cron(app.runtime, dry_run=True)
    data = await collect(app.runtime)
    assert data.last_run is not None and data.last_run.counts["removed"] == 1
    assert data.last_rehearsal is not None

    owner = TgUser(id=OWNER_ID, first_name="Diana")
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.DASHBOARD))
    text = app.text(owner)
    real, rehearsal = text.split("Última ronda")[1].split("Último ensayo")
    assert "ensayo" not in real and "ensayo" in rehearsal


# -- one reading of dry_run ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("true", True),
        (" TRUE ", True),
        ("1", True),
        (1, True),
        ("on", True),
        (False, False),
        ("false", False),
        ("0", False),
        (0, False),
        ("no", False),
        (None, None),
    ],
)
def test_the_switch_reads_yes_and_no(value: object, expected: bool | None) -> None:
    assert parse_switch(value) is expected


@pytest.mark.parametrize("value", ["maybe", "", "2", 2, 0.5, [], {"a": 1}, "x" * 500])
def test_the_switch_refuses_garbage(value: object) -> None:
    with pytest.raises(BadSwitch, match="dry_run must be true or false"):
        parse_switch(value)


async def test_http_dry_run_values(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)
    auth = {"Authorization": "Bearer cron-secret"}
    transport = httpx.ASGITransport(app=create_cron_app(app.runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://cron.test") as client:
        bad = await client.post("/cron?dry_run=maybe", headers=auth)
        assert bad.status_code == 400 and "dry_run must be true or false" in bad.json()["error"]
        assert await count(app.runtime, JobRun) == 0 and app.double.calls == []

        dry = await client.post("/cron?dry_run=true", headers=auth)
        assert dry.status_code == 200 and dry.json()["dry_run"] is True
        assert app.double.calls_to("banChatMember") == []

        real = await client.post("/cron?dry_run=false", headers=auth)
        assert real.status_code == 200 and real.json()["dry_run"] is False
        assert real.json()["counts"]["expiry"]["removed"] == 1


@pytest.mark.parametrize(
    ("event", "dry"),
    [
        ({"dry_run": "false"}, False),
        ({"detail": {"dry_run": "false"}}, False),
        ({"dry_run": "true"}, True),
        ({"dry_run": True}, True),
        ({"detail": {"dry_run": "1"}}, True),
    ],
)
async def test_scheduled_event_dry_run_values(
    app: Harness,
    backend: Backend,
    redis_prefix: str,
    ana: TgUser,
    monkeypatch: pytest.MonkeyPatch,
    event: dict[str, Any],
    dry: bool,
) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}, **event}

    summary = await asyncio.to_thread(
        _in_new_loop, backend, redis_prefix, app.double, scheduled, monkeypatch
    )

    assert summary["dry_run"] is dry
    assert bool(app.double.calls_to("banChatMember")) is not dry
    (run,) = await rows(app.runtime, select(JobRun))
    assert run.dry_run is dry


async def test_scheduled_event_with_garbage_is_rejected(
    app: Harness,
    backend: Backend,
    redis_prefix: str,
    ana: TgUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await configure(app.runtime, app.double)
    await _expired_member(app, ana, link=False)

    answer = await asyncio.to_thread(
        _in_new_loop, backend, redis_prefix, app.double, {"dry_run": "perhaps"}, monkeypatch
    )

    assert answer["ok"] is False and answer["status"] == "rejected"
    assert "dry_run must be true or false" in answer["error"] and "perhaps" in answer["error"]
    assert app.double.calls == [] and await count(app.runtime, JobRun) == 0
