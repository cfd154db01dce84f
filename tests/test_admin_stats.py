"""Admin panel · observations, through the webhook: every figure from seeded data, with
aggregate queries whose number does not grow with the rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, update

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import Interest, Invitation, JoinRequest, Package, utcnow
from lucien.ops import profiling
from lucien.services import stats
from lucien.telegram.double import TgUser
from tests.admin_support import cb
from tests.conftest import Harness
from tests.factories import FREE, add_subscription, add_user, make_invitation, make_plan


async def _seed(app: Harness) -> None:
    rt = app.runtime
    now = utcnow()
    for user_id in range(6001, 6006):
        await add_user(rt, user_id, f"Miembro {user_id}")
    # Active: 6001 (new this week), 6002 (ends in 3 days), 6005 (came back 12 h ago).
    await add_subscription(rt, 6001, ends_in=timedelta(days=20), started_ago=timedelta(days=2))
    await add_subscription(rt, 6002, ends_in=timedelta(days=3), started_ago=timedelta(days=10))
    # Expired: 6003 (status expired), 6004 (still "active" but its end has passed).
    await add_subscription(
        rt, 6003, ends_in=timedelta(days=-5), started_ago=timedelta(days=40), status="expired"
    )
    await add_subscription(rt, 6004, ends_in=timedelta(hours=-3), started_ago=timedelta(days=45))
    await add_subscription(
        rt, 6005, ends_in=timedelta(days=-30), started_ago=timedelta(days=60), status="expired"
    )
    await add_subscription(rt, 6005, ends_in=timedelta(days=30), started_ago=timedelta(hours=12))

    plan = await make_plan(rt)
    tokens = [await make_invitation(rt, plan.id) for _ in range(5)]
    async with rt.sessions.begin() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == tokens[0].id)
            .values(used_at=now, used_by=6001)
        )
        await session.execute(
            update(Invitation).where(Invitation.id == tokens[1].id).values(revoked_at=now)
        )
        await session.execute(
            update(Invitation)
            .where(Invitation.id == tokens[2].id)
            .values(redeem_by=now - timedelta(hours=1))
        )
        requests = [
            {"user_id": 6001, "status": "pending", "requested_at": now, "decided_at": None},
            {"user_id": 6002, "status": "pending", "requested_at": now, "decided_at": None},
            {"user_id": 6003, "status": "closed", "requested_at": now, "decided_at": now},
        ]
        for k, wait in enumerate((10, 20, 30)):
            asked = now - timedelta(hours=k + 1)
            requests.append(
                {
                    "user_id": 6003 + (k % 3),
                    "status": "approved",
                    "requested_at": asked,
                    "decided_at": asked + timedelta(minutes=wait),
                }
            )
        await session.execute(
            insert(JoinRequest), [{"chat_id": FREE, "attempts": 0, **r} for r in requests]
        )
        garden = (
            await session.execute(
                insert(Package).values(name="Jardín", category="FREE_CONTENT").returning(Package.id)
            )
        ).scalar_one()
        divan = (
            await session.execute(
                insert(Package).values(name="Diván", category="VIP_CONTENT").returning(Package.id)
            )
        ).scalar_one()
        await session.execute(
            insert(Interest),
            [
                {"user_id": 6001, "package_id": garden, "created_at": now},
                {"user_id": 6002, "package_id": divan, "created_at": now, "attended_at": now},
                {"user_id": 6003, "package_id": None, "created_at": now},
                {"user_id": 6004, "package_id": None, "created_at": now},
            ],
        )


async def test_every_figure(app: Harness, owner: TgUser) -> None:
    await _seed(app)
    async with app.runtime.sessions.begin() as session:
        data = await stats.collect(session)
    assert (data.vip_active, data.vip_expired, data.vip_expiring_7d) == (3, 2, 1)
    assert (data.vip_new_1d, data.vip_new_7d, data.vip_new_30d) == (1, 2, 3)
    assert (
        data.tokens_issued,
        data.tokens_used,
        data.tokens_expired,
        data.tokens_revoked,
        data.tokens_available,
    ) == (5, 1, 1, 1, 2)
    assert (data.free_pending, data.free_approved) == (2, 3)
    assert data.free_avg_wait_minutes is not None
    assert abs(data.free_avg_wait_minutes - 20) < 0.05
    assert (data.interests_total, data.interests_pending, data.interests_attended) == (4, 3, 1)
    assert dict(data.interests_by_category) == {"FREE_CONTENT": 1, "VIP_CONTENT": 1, "circle": 2}

    await app.press(owner, cb(S.STATS))
    app.shows(
        owner,
        "Vigentes: 3 · concluidos: 2 · vencen en 7 días: 1",
        "Nuevos: 1 en 24 h · 2 en 7 días · 3 en 30 días",
        "Emitidas: 5 · canjeadas: 1 · vencidas: 1 · revocadas: 1 · disponibles: 2",
        "En espera: 2 · aprobadas: 3 · espera media: 20 minutos",
        "En total: 4 · sin atender: 3 · atendidos: 1",
        "Jardín: 1 · Diván: 1 · Entrar al círculo: 2",
    )


async def test_empty_and_refresh(app: Harness, owner: TgUser) -> None:
    await app.press(owner, cb(S.STATS))
    app.shows(owner, "Vigentes: 0", "espera media: —")
    answers = len(app.double.callback_answers)
    await app.press(owner, cb(S.STATS, A.OPEN))  # unchanged: "not modified" is ignored
    assert len(app.double.callback_answers) == answers + 1


async def test_queries_do_not_grow_with_the_rows(
    app: Harness, owner: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = app.runtime.engine.sync_engine
    await app.press(owner, cb(S.STATS))  # warm-up: the user row and the config exist
    await app.press(owner, cb(S.STATS))  # and the config is cached (creating it invalidated)
    # The profiler's switch is read at most every few seconds (lucien.ops.profiling): after
    # the warm-up, never during the comparison, whatever the machine's speed.
    monkeypatch.setattr(profiling, "POLL_SECONDS", 3600.0)
    event.listen(engine, "before_cursor_execute", record)
    try:
        await app.press(owner, cb(S.STATS))
        first = [statement.split("\n")[0][:60] for statement in seen]
        await _seed(app)
        for k in range(30):
            await add_user(app.runtime, 8000 + k, f"Otro {k}")
            await add_subscription(app.runtime, 8000 + k, ends_in=timedelta(days=k - 10))
        await app.press(owner, cb(S.STATS))  # the writes invalidated the cache: warm it again
        seen.clear()
        await app.press(owner, cb(S.STATS))
        assert len(seen) == len(first), (first, [s.split("\n")[0][:60] for s in seen])
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_visitor_sees_no_observations(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "start"))
    answer = await _press_answer(app, ana, cb(S.STATS))
    assert "custodios" in answer
    assert not any("Observaciones" in m.get("text", "") for m in app.double.sent_messages(ana.id))


async def _press_answer(app: Harness, who: TgUser, data: str) -> str:
    await app.press(who, data)
    return str(app.double.callback_answers[-1].get("text") or "")
