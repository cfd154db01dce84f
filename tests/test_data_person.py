"""A person's data: everything held about them (right of access), and all of it erased.

The deletion test walks every table and every Redis key of the deployment after the
owner's "delete data" and asserts that nothing names the person any more.
"""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy import select

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.cli import _users_delete, _users_export
from lucien.db.models import AuditEntry, Payment, Subscription, User
from tests.access_support import button, count, rows
from tests.admin_support import cb
from tests.conftest import Harness
from tests.data_support import (
    ANA,
    BOBBIE,
    OWNER,
    populate,
    redeem_and_walk_the_ritual,
    traces_in_database,
    traces_in_redis,
)
from tests.factories import VIP


async def _export(app: Harness, capsys: pytest.CaptureFixture[str], user_id: int) -> dict:
    capsys.readouterr()
    code = await _users_export(app.runtime, argparse.Namespace(id=user_id))
    out = capsys.readouterr().out
    return {"code": code, **json.loads(out)}


async def test_export_lists_everything_and_delete_leaves_no_trace(
    app: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    await populate(app)
    redis_mode = app.runtime.redis() is not None

    held = await _export(app, capsys, BOBBIE.id)
    assert held["code"] == 0
    database = held["database"]
    expected = {
        "users",
        "subscriptions",
        "invite_links",
        "join_requests",
        "interests",
        "interest_marks",
        "invitations",
        "reminders_sent",
        "admin_grants",
        "audit_log",
        "payments",
    }
    if not redis_mode:
        expected |= {"voice_history", "fsm_states", "rate_limits"}
    assert expected <= set(database), sorted(database)
    assert database["users"][0]["username"] == "bobbie_q"
    assert {e["action"] for e in database["audit_log"]} >= {
        "invitation.redeemed",
        "admin.grant",
        "admin.revoke",
    }
    if redis_mode:
        prefix = app.runtime.settings.redis_prefix
        keys = set(held["redis"])
        assert f"{prefix}voice:{BOBBIE.id}" in keys
        assert any(k.startswith(f"{prefix}fsm:") and k.endswith(":state") for k in keys)
        assert f"{prefix}rl:redeem:{BOBBIE.id}" in keys
    assert await traces_in_database(app.runtime, BOBBIE)
    ana_audit = await count(app.runtime, AuditEntry, AuditEntry.target_id == str(ANA.id))

    await app.press(OWNER, cb(S.USERS, A.WIPE_OK, id=BOBBIE.id))
    assert "han sido borrados" in app.text(OWNER)

    assert await traces_in_database(app.runtime, BOBBIE) == []
    assert await traces_in_redis(app.runtime, BOBBIE) == []
    # The events stay, without the person; nobody else lost anything.
    grants = await rows(app.runtime, select(AuditEntry).where(AuditEntry.action == "admin.grant"))
    assert [(g.target_type, g.target_id, g.before, g.after) for g in grants] == [
        ("user", None, None, None)
    ]
    (deletion,) = await rows(
        app.runtime, select(AuditEntry).where(AuditEntry.action == "user.delete")
    )
    assert deletion.actor_id == OWNER.id and deletion.target_id is None
    assert deletion.before and deletion.before["users"] == 1
    assert await count(app.runtime, User, User.id == ANA.id) == 1
    # The payments stay as financial records, without the person: no user, no id in the
    # payload, not as the custodian who refunded Ana's either.
    payments = await rows(app.runtime, select(Payment).order_by(Payment.id))
    assert [(p.user_id, p.plan_name, p.stars) for p in payments] == [
        (None, "Trimestral", 250),
        (ANA.id, "Mensual", 250),
    ]
    assert str(BOBBIE.id) not in payments[0].payload and payments[0].payload
    assert payments[1].refunded_by is None and str(ANA.id) in payments[1].payload
    assert await count(app.runtime, AuditEntry, AuditEntry.target_id == str(ANA.id)) == ana_audit
    assert (await _export(app, capsys, BOBBIE.id))["code"] == 1  # nothing left to show


async def _member_telegram_cannot_remove(app: Harness) -> None:
    from tests.factories import configure

    await configure(app.runtime, app.double)
    await redeem_and_walk_the_ritual(app, BOBBIE, join=True)
    app.double.set_bot_admin(VIP, can_restrict_members=False)


async def test_a_deletion_telegram_interrupts_is_finished_from_the_panel(app: Harness) -> None:
    await _member_telegram_cannot_remove(app)
    await app.send(app.updates.command(OWNER, "start"))

    await app.press(OWNER, cb(S.USERS, A.WIPE_OK, id=BOBBIE.id))
    assert "aún no he borrado sus datos" in app.text(OWNER)
    assert app.double.member_status(VIP, BOBBIE.id) == "member"
    assert await count(app.runtime, User, User.id == BOBBIE.id) == 1
    (sub,) = await rows(app.runtime, select(Subscription))
    assert sub.status == "expired"  # out of every membership already

    app.double.set_bot_admin(VIP)
    finish = button(app.double.last_message(OWNER.id), "Terminar el borrado")["callback_data"]
    await app.press(OWNER, finish)
    assert "han sido borrados" in app.text(OWNER)
    assert app.double.member_status(VIP, BOBBIE.id) == "left"
    assert await traces_in_database(app.runtime, BOBBIE) == []


async def test_a_deletion_telegram_interrupts_is_finished_from_the_cli(
    app: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    await _member_telegram_cannot_remove(app)
    args = argparse.Namespace(id=BOBBIE.id)

    assert await _users_delete(app.runtime, args) == 1
    first = json.loads(capsys.readouterr().out)
    assert first["status"] == "pending" and first["telegram_problems"]
    assert await count(app.runtime, User, User.id == BOBBIE.id) == 1

    app.double.set_bot_admin(VIP)
    assert await _users_delete(app.runtime, args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["status"] == "deleted" and second["removed"]["users"] == 1
    assert await traces_in_database(app.runtime, BOBBIE) == []
    assert await traces_in_redis(app.runtime, BOBBIE) == []
    # An admin (here: the owner) is never deleted this way.
    assert await _users_delete(app.runtime, argparse.Namespace(id=OWNER.id)) == 2
