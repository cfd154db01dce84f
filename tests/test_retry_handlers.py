"""A run that failed half way, run again, repeats nothing and finishes what was left.

Each test fails one Telegram call of a flow (502 or a dropped connection), lets the
webhook answer non-2xx, and delivers the same update again until it answers 200, as
Telegram does. The effects journal (``lucien.journal``) is what these hold.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import AuditEntry, BotConfig, Invitation, Subscription, UpdateEffect, utcnow
from lucien.jobs.cleanup import retention
from lucien.jobs.runner import run_cron
from lucien.telegram.double import TgUser
from tests.access_support import count, rows, scalar
from tests.admin_support import cb
from tests.conftest import Harness
from tests.factories import FREE, add_subscription, configure, make_invitation, make_plan

DEEP_LINK = re.compile(r"https://t\.me/LucienBot\?start=([A-Za-z0-9_-]{32})")


async def deliver(app: Harness, update: dict[str, Any], *, attempts: int = 6) -> list[int]:
    """Post ``update`` until it answers 200, as Telegram redelivers; the statuses seen."""
    statuses = []
    for _ in range(attempts):
        response = await app.post(update)
        statuses.append(response.status_code)
        if response.status_code == 200:
            return statuses
    raise AssertionError(f"never settled: {statuses}")


async def _sub_end(app: Harness, sub_id: int) -> Any:
    return await scalar(app.runtime, select(Subscription.ends_at).where(Subscription.id == sub_id))


async def test_extension_whose_confirmation_fails_extends_once(app: Harness, owner: TgUser) -> None:
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=5))
    before = await _sub_end(app, sub_id)
    await app.send(app.updates.command(owner, "admin"))
    app.double.fail_network("sendMessage", mode="bad_gateway")  # the member's confirmation
    statuses = await deliver(
        app, app.updates.callback(owner, cb(S.SUBS, A.EXTEND, id=sub_id, arg="30"))
    )

    assert statuses == [500, 200]
    assert await _sub_end(app, sub_id) - before == timedelta(days=30)
    told = [m for m in app.double.sent_messages(6001) if "30 días" in (m.get("text") or "")]
    assert len(told) == 1  # the lost confirmation, sent once on the redelivery
    assert (
        len(
            await rows(
                app.runtime, select(AuditEntry).where(AuditEntry.action == "subscription.extended")
            )
        )
        == 1
    )
    assert "suma 30 días" in app.text(owner)


async def test_extension_whose_confirmation_drops_is_still_told(
    app: Harness, owner: TgUser
) -> None:
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=5))
    before = await _sub_end(app, sub_id)
    await app.send(app.updates.command(owner, "admin"))
    app.double.fail_network("sendMessage")  # a dropped connection is not a refusal
    await deliver(app, app.updates.callback(owner, cb(S.SUBS, A.EXTEND, id=sub_id, arg="30")))

    assert await _sub_end(app, sub_id) - before == timedelta(days=30)
    told = [m for m in app.double.sent_messages(6001) if "30 días" in (m.get("text") or "")]
    assert len(told) == 1


async def test_a_batch_whose_reply_fails_is_issued_once(app: Harness, owner: TgUser) -> None:
    plan = await make_plan(app.runtime, "Anual", 365)
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.TOKENS, A.ISSUE_PLAN, id=plan.id))
    await app.send(app.updates.message(owner, "50"))
    app.double.fail_network("sendMessage", mode="bad_gateway")
    statuses = await deliver(app, app.updates.message(owner, "30"))

    assert statuses[0] == 500 and statuses[-1] == 200
    assert await count(app.runtime, Invitation) == 50
    shown = [
        t
        for m in app.double.sent_messages(owner.id)
        for t in DEEP_LINK.findall(m.get("text") or "")
    ]
    stored = await rows(app.runtime, select(Invitation.token))
    assert sorted(shown) == sorted(stored)  # the admin sees exactly the 50 that exist, once


async def test_reject_all_whose_summary_fails_tells_what_it_did(
    app: Harness, owner: TgUser
) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=10)
    for n in (1, 2):
        await app.send(app.double.join_request(FREE, TgUser(id=7000 + n, first_name=f"V{n}")))
    await app.send(app.updates.command(owner, "admin"))
    app.double.fail_network("editMessageText", mode="bad_gateway")  # the summary
    statuses = await deliver(app, app.updates.callback(owner, cb(S.FREE, A.REJECT_ALL_OK)))

    assert statuses == [500, 200]
    assert "2 solicitudes rechazadas" in app.text(owner)  # not "nothing pending"
    assert len([c for c in app.double.calls if c.method == "declineChatJoinRequest"]) == 2
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "free.reject_all") == 1


async def test_a_toggle_redelivered_does_not_flip_back(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    app.double.fail_network("answerCallbackQuery", mode="bad_gateway")
    statuses = await deliver(app, app.updates.callback(owner, cb(S.CONFIG, A.DRY_RUN)))

    assert statuses == [500, 200]
    assert await scalar(app.runtime, select(BotConfig.dry_run)) is True
    assert await count(app.runtime, AuditEntry, AuditEntry.action == "config.update") == 1


async def test_a_buyer_whose_welcome_fails_continues_the_ritual(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    issued = await make_invitation(app.runtime, plan.id)
    app.double.fail_network("sendMessage", mode="bad_gateway")
    statuses = await deliver(app, app.updates.command(ana, "start", issued.token))

    assert statuses == [500, 200]
    texts = app.double.sent_messages(ana.id)
    assert len(texts) == 1 and "utilizada" not in texts[0]["text"]
    assert texts[0].get("reply_markup")  # the ritual's first step, with its button
    assert await count(app.runtime, Subscription) == 1


async def test_a_settled_update_leaves_no_journal_and_old_rows_are_purged(
    app: Harness, owner: TgUser
) -> None:
    await app.send(app.updates.command(owner, "admin"))
    assert await count(app.runtime, UpdateEffect) == 0  # the happy path writes nothing
    app.double.fail_network("sendMessage", mode="bad_gateway")
    sub_id = await add_subscription(app.runtime, 6001, timedelta(days=5))
    await deliver(app, app.updates.callback(owner, cb(S.SUBS, A.EXTEND, id=sub_id, arg="30")))
    kept = await count(app.runtime, UpdateEffect)
    assert kept >= 1  # at least the extension, journaled with it

    old = utcnow() - retention(app.runtime.settings, "update_effects") - timedelta(hours=1)
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(UpdateEffect).values(update_id=1, key="db:old#1", result=None, created_at=old)
        )
    summary = await run_cron(app.runtime)
    assert summary["counts"]["cleanup"]["update_effects"] == 1
    assert await count(app.runtime, UpdateEffect) == kept
