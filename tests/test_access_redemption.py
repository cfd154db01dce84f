"""Invitations and their redemption, through the webhook with real Update JSON."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from lucien.access.invitations import revoke
from lucien.access.plans import set_active
from lucien.cli import main as cli_main
from lucien.db.models import AuditEntry, Invitation, Subscription, utcnow
from lucien.settings import get_settings
from lucien.telegram.double import TgUser
from tests.access_support import (
    HOSTILE,
    button,
    count,
    rows,
    set_subscription,
    shows_hostile_name,
    subscription_of,
)
from tests.conftest import Backend, Harness
from tests.factories import configure, expire_invitation, make_invitation, make_plan


def _cli(
    monkeypatch: pytest.MonkeyPatch,
    backend: Backend,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
) -> str:
    for name in ("BOT_TOKEN", "WEBHOOK_SECRET", "REDIS_URL", "LUCIEN_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    get_settings.cache_clear()
    try:
        capsys.readouterr()
        code = cli_main(list(argv))
        out = capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    assert code == 0, out
    return out


async def test_cli_plan_and_invitation_redeemed_through_the_webhook(
    app: Harness,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ana: TgUser,
) -> None:
    await configure(app.runtime, app.double)
    out = await asyncio.to_thread(
        _cli,
        monkeypatch,
        backend,
        capsys,
        "plans",
        "add",
        "--name",
        "Mensual",
        "--days",
        "30",
        "--price",
        "19.99",
    )
    assert "Mensual" in out
    listed = await asyncio.to_thread(_cli, monkeypatch, backend, capsys, "plans", "list")
    assert "Mensual\t30 days\t19.99 USD\tactive" in listed
    issued = await asyncio.to_thread(
        _cli,
        monkeypatch,
        backend,
        capsys,
        "invitations",
        "issue",
        "--plan",
        "Mensual",
        "--count",
        "3",
        "--redeem-days",
        "2",
        "--csv",
    )
    table = list(csv.DictReader(io.StringIO(issued)))
    assert len(table) == 3
    first = table[0]
    assert first["link"] == f"https://t.me/LucienBot?start={first['token']}"
    assert len(first["token"]) == 32 and first["plan"] == "Mensual"
    plain = await asyncio.to_thread(
        _cli, monkeypatch, backend, capsys, "invitations", "issue", "--plan", "Mensual"
    )
    assert plain.startswith("https://t.me/LucienBot?start=")
    dry = await asyncio.to_thread(_cli, monkeypatch, backend, capsys, "cron", "--dry-run")
    assert json.loads(dry)["dry_run"] is True

    await app.send(app.updates.command(ana, "start", first["token"]))

    stage1 = app.double.last_message(ana.id)
    assert stage1 is not None and "Mensual" in stage1["text"]
    assert button(stage1, "Continuar")["callback_data"].startswith("r:1:")
    sub = await subscription_of(app.runtime, ana.id)
    assert sub.status == "active" and sub.ritual_stage == 1
    assert timedelta(days=29, hours=23) < sub.ends_at - utcnow() <= timedelta(days=30)
    invitation = (
        await rows(app.runtime, select(Invitation).where(Invitation.token == first["token"]))
    )[0]
    assert invitation.used_by == ana.id
    assert (
        timedelta(days=1, hours=23)
        < invitation.redeem_by - invitation.created_at
        <= timedelta(days=2)
    )
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "invitation.redeemed") == 1


async def test_fifty_concurrent_redemptions_one_winner(app: Harness) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    invitation = await make_invitation(app.runtime, plan.id)
    people = [TgUser(id=7000 + n, first_name=f"Alma {n}") for n in range(50)]
    updates = [app.updates.command(p, "start", invitation.token) for p in people]

    responses = await asyncio.gather(*(app.post(u) for u in updates))

    assert [r.status_code for r in responses] == [200] * 50
    assert await count(app.runtime, Subscription) == 1
    winner = (await rows(app.runtime, select(Subscription.user_id)))[0]
    losers = [p for p in people if p.id != winner]
    for person in losers:
        texts = app.texts_to(person.id)
        assert len(texts) == 1 and "ya fue utilizada" in texts[0], texts
    assert "Continuar" in button(app.double.last_message(winner), "Continuar")["text"]


async def test_second_invitation_extends_the_same_period(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime, "Mensual", 30)
    week = await make_plan(app.runtime, "Semanal", 7)
    first = await make_invitation(app.runtime, plan.id)
    second = await make_invitation(app.runtime, week.id)
    await app.send(app.updates.command(ana, "start", first.token))
    before = await subscription_of(app.runtime, ana.id)
    await set_subscription(app.runtime, before.id, ritual_stage=2)

    await app.send(app.updates.command(ana, "start", second.token))

    after = await subscription_of(app.runtime, ana.id)
    assert after.id == before.id and await count(app.runtime, Subscription) == 1
    assert after.ends_at == before.ends_at + timedelta(days=7)
    assert after.ritual_stage == 2 and after.started_at == before.started_at
    text = app.texts_to(ana.id)[-1]
    assert "7 días más" in text and "Nueva fecha de término" in text
    assert button(app.double.last_message(ana.id), "Mi membresía")  # the VIP menu, no ritual


@pytest.mark.parametrize("fresh", [True, False])
async def test_two_invitations_at_once_by_one_member_both_count(
    app: Harness, ana: TgUser, fresh: bool
) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime, "Mensual", 30)
    if not fresh:
        await app.send(
            app.updates.command(ana, "start", (await make_invitation(app.runtime, plan.id)).token)
        )
    start = utcnow()
    base = (await subscription_of(app.runtime, ana.id)).ends_at if not fresh else start
    tokens = [(await make_invitation(app.runtime, plan.id)).token for _ in range(2)]

    await asyncio.gather(*(app.send(app.updates.command(ana, "start", t)) for t in tokens))

    sub = await subscription_of(app.runtime, ana.id)
    assert await count(app.runtime, Subscription) == 1
    assert abs(sub.ends_at - (base + timedelta(days=60))) < timedelta(seconds=30)


async def test_lapsed_member_starts_a_new_period_and_the_old_one_is_closed(
    app: Harness, ana: TgUser
) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    await app.send(
        app.updates.command(ana, "start", (await make_invitation(app.runtime, plan.id)).token)
    )
    old = await subscription_of(app.runtime, ana.id)
    await set_subscription(
        app.runtime, old.id, ends_at=utcnow() - timedelta(hours=1), ritual_stage=4
    )

    await app.send(
        app.updates.command(ana, "start", (await make_invitation(app.runtime, plan.id)).token)
    )

    subs = await rows(app.runtime, select(Subscription).order_by(Subscription.id))
    assert [s.status for s in subs] == ["expired", "active"]
    assert subs[1].ritual_stage == 1 and subs[0].removed_at is None
    assert "Continuar" in button(app.double.last_message(ana.id), "Continuar")["text"]


async def test_each_failure_has_its_own_answer(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    other_plan = await make_plan(app.runtime, "Anual", 365)
    bruno = TgUser(id=5002, first_name="Bruno")
    used = await make_invitation(app.runtime, plan.id)
    await app.send(app.updates.command(bruno, "start", used.token))
    revoked = await make_invitation(app.runtime, plan.id)
    async with app.runtime.sessions.begin() as session:
        assert await revoke(session, revoked.id)
        assert not await revoke(session, revoked.id)  # only once
        assert not await revoke(
            session,
            (
                await session.execute(select(Invitation.id).where(Invitation.token == used.token))
            ).scalar_one(),
        )  # never a used one
    expired = await make_invitation(app.runtime, plan.id)
    await expire_invitation(app.runtime, expired.id)
    inactive = await make_invitation(app.runtime, other_plan.id)
    async with app.runtime.sessions.begin() as session:
        await set_active(session, other_plan.id, False)

    expected = [
        ("nonexistent-token-123", "no es válida"),
        (used.token, "ya fue utilizada"),
        (revoked.token, "retiró esta invitación"),
        (expired.token, "caducó"),
        (inactive.token, "ya no está disponible"),
    ]
    for payload, words in expected:
        app.double.clear_calls()
        await app.send(app.updates.command(ana, "start", payload))
        assert any(words in t for t in app.texts_to(ana.id)[-2:]), (payload, app.texts_to(ana.id))
    # The unknown one is followed by the Free menu.
    assert await count(app.runtime, Subscription, Subscription.user_id == ana.id) == 0


async def test_unknown_invitation_shows_the_free_menu(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    await app.send(app.updates.command(ana, "start", "hello"))
    sent = app.double.sent_messages(ana.id)
    assert len(sent) == 2
    assert "no es válida" in sent[0]["text"]
    assert button(sent[1], "El círculo de Diana")


async def test_failed_attempts_are_rate_limited(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    good = await make_invitation(app.runtime, plan.id)
    for n in range(5):
        await app.send(app.updates.command(ana, "start", f"wrong-token-{n}"))
    await app.send(app.updates.command(ana, "start", good.token))
    assert "demasiados intentos" in app.texts_to(ana.id)[-1]
    assert await count(app.runtime, Subscription) == 0
    # Someone else is not affected.
    bruno = TgUser(id=5002, first_name="Bruno")
    await app.send(app.updates.command(bruno, "start", good.token))
    assert await count(app.runtime, Subscription, Subscription.user_id == bruno.id) == 1


async def test_hostile_name_is_escaped_on_redemption(app: Harness) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    hostile = TgUser(id=6001, first_name=HOSTILE)
    await app.send(
        app.updates.command(hostile, "start", (await make_invitation(app.runtime, plan.id)).token)
    )
    assert shows_hostile_name(app.double.last_message(hostile.id))
    await app.send(
        app.updates.command(hostile, "start", (await make_invitation(app.runtime, plan.id)).token)
    )
    assert shows_hostile_name(app.double.last_message(hostile.id))
