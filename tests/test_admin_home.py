"""The admin home (/admin, the main menu) and the summary, through the webhook."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from lucien.access.config import update_config
from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.db.models import Interest, JoinRequest, utcnow
from lucien.telegram.double import TgUser
from tests.admin_support import cb, snapshot, statements
from tests.conftest import Harness
from tests.factories import (
    FREE,
    VIP,
    add_job_run,
    add_subscription,
    add_user,
    configure,
    make_invitation,
    make_plan,
)

SECTIONS = [
    "Resumen",
    "Círculo VIP",
    "Jardín Free",
    "Catálogo",
    "Intereses",
    "Personas",
    "Calibración",
    "Observaciones",
    "Difusión",
]


async def _pending_requests(app: Harness, n: int, *, minutes_ago: int = 0) -> None:
    for k in range(n):
        await add_user(app.runtime, 7000 + k, f"Visitante {k}")
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(JoinRequest),
            [
                {
                    "user_id": 7000 + k,
                    "chat_id": FREE,
                    "requested_at": utcnow() - timedelta(minutes=minutes_ago),
                    "status": "pending",
                    "attempts": 0,
                }
                for k in range(n)
            ],
        )


async def test_admin_command_greets_with_the_main_menu(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    message = app.screen(owner)
    assert "Lucien" in message["text"] and "Diana" in message["text"]
    names = app.labels(message)
    for section in SECTIONS:
        assert any(section in label for label in names), section
    # Nothing configured yet: the home points at the summary's warnings.
    assert "atención en el resumen" in message["text"]


async def test_admin_home_counts_what_waits(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    await make_plan(app.runtime)
    await add_job_run(app.runtime)
    await _pending_requests(app, 3)
    await add_user(app.runtime, 6001, "Carla")
    async with app.runtime.sessions.begin() as session:
        await session.execute(insert(Interest).values(user_id=6001, created_at=utcnow()))

    await app.send(app.updates.command(owner, "admin"))

    text = app.shows(owner, "1 interés", "espera respuesta", "3 solicitudes")
    assert "resumen" not in text  # nothing needs attention


async def test_non_admin_gets_no_panel(app: Harness, ana: TgUser) -> None:
    await app.send(app.updates.command(ana, "admin"))
    message = app.screen(ana)
    assert not any("Círculo VIP" in label for label in app.labels(message))


async def test_main_menu_edits_in_place(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "admin"))
    first = app.screen(owner)
    await app.press(owner, cb(S.VIP))
    await app.press(owner, cb(S.MAIN))
    after = app.screen(owner)
    assert after["message_id"] == first["message_id"]
    assert "Panel de custodia" in after["text"]
    assert len(app.double.sent_messages(owner.id)) == 1
    assert (app.answer()["text"] or "") == ""  # answered, quietly


async def _dashboard(app: Harness, owner: TgUser) -> str:
    """The dashboard's text, reached the way the owner reaches it: /admin, then Resumen."""
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.DASHBOARD))
    return app.text(owner)


async def test_dashboard_of_an_empty_installation(app: Harness, owner: TgUser) -> None:
    text = await _dashboard(app, owner)
    for shown in (
        "Resumen",
        "❌ Diván (canal VIP): sin definir",
        "❌ Vestíbulo (canal Free): sin definir",
        "❌ Planes activos: 0",
        "Redes de Diana: sin definir",
        "Usuario de Diana: sin definir",
        "ninguna todavía",
        "aún no se ha ejecutado nunca",
        "no se pueden emitir invitaciones",
        "El Diván aún no está definido",
    ):
        assert shown in text, shown
    assert {"🔄 Actualizar", "⚙️ Calibración", "⬅️ Volver"} <= set(app.labels(app.screen(owner)))


async def test_dashboard_numbers_and_warnings(app: Harness, owner: TgUser) -> None:
    await configure(
        app.runtime,
        app.double,
        instagram_url="https://instagram.com/diana",
        creator_username="diana",
        free_invite_link="https://t.me/+vestibulo123",
        free_wait_minutes=10,
        dry_run=True,
    )
    plan = await make_plan(app.runtime)
    for _ in range(3):
        await make_invitation(app.runtime, plan.id)
    await add_subscription(app.runtime, 6001, timedelta(days=30), plan_id=plan.id)
    await add_subscription(app.runtime, 6002, timedelta(days=3), plan_id=plan.id)
    await add_subscription(
        app.runtime, 6003, timedelta(days=-2), plan_id=plan.id, status="removal_failed"
    )
    await _pending_requests(app, 2, minutes_ago=30)
    await add_user(app.runtime, 6500, "Dora")
    async with app.runtime.sessions.begin() as session:
        await session.execute(
            insert(JoinRequest).values(
                user_id=6500, chat_id=FREE, status="failed", attempts=6, decided_at=utcnow()
            )
        )
    await add_job_run(app.runtime, status="partial", ago=timedelta(minutes=5))

    text = await _dashboard(app, owner)

    assert "✅ Diván (canal VIP)" in text and "✅ Vestíbulo (canal Free)" in text
    assert "✅ Planes activos: 1" in text
    assert "✅ Redes de Diana" in text and "✅ Usuario de Diana" in text
    assert "Miembros vigentes: 2 (vencen en 7 días: 1)" in text
    assert "Solicitudes en espera: 2 (listas: 2)" in text
    assert "Invitaciones sin usar: 3" in text
    assert "parcial" in text  # the last run and its result
    assert "no consigo retirar del Diván" in text  # removal_failed
    assert "no consigo aprobar" in text  # a failed join request
    assert "no terminó bien" in text
    assert "modo ensayo" in text


async def test_dashboard_reports_missing_rights(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    app.double.set_bot_member(VIP)  # no longer an administrator there
    app.double.set_bot_admin(FREE, can_invite_users=False)
    text = await _dashboard(app, owner)
    assert "Diván (canal VIP): no soy administrador" in text
    assert "Vestíbulo (canal Free): me falta permiso para invitar usuarios" in text
    assert "me faltan permisos" in text


async def test_dashboard_refresh_is_answered_even_when_unchanged(
    app: Harness, owner: TgUser
) -> None:
    await app.send(app.updates.command(owner, "admin"))
    await app.press(owner, cb(S.DASHBOARD))
    answers = len(app.double.callback_answers)
    await app.press(owner, cb(S.DASHBOARD))  # same text: "message is not modified"
    assert len(app.double.callback_answers) == answers + 1
    assert len(app.double.sent_messages(owner.id)) == 1


async def test_dashboard_queries_do_not_grow_with_rows(app: Harness, owner: TgUser) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    await app.send(app.updates.command(owner, "admin"))
    await add_subscription(app.runtime, 6001, timedelta(days=3), plan_id=plan.id)
    with statements(app.runtime) as few:
        await app.press(owner, cb(S.DASHBOARD))
    for k in range(25):
        await add_subscription(app.runtime, 6100 + k, timedelta(days=k + 1), plan_id=plan.id)
        await make_invitation(app.runtime, plan.id)
    await _pending_requests(app, 15)
    with statements(app.runtime) as many:
        await app.press(owner, cb(S.MAIN))
        await app.press(owner, cb(S.DASHBOARD))
    dashboard_many = [s for s in many if "job_runs" in s or "count(" in s.lower()]
    dashboard_few = [s for s in few if "job_runs" in s or "count(" in s.lower()]
    assert len(dashboard_many) == len(dashboard_few)
    assert "Miembros vigentes: 26" in app.text(owner)


async def test_forged_home_callbacks_from_a_visitor_are_refused(app: Harness, ana: TgUser) -> None:
    await configure(app.runtime, app.double)
    async with app.runtime.sessions.begin() as session:
        await update_config(session, free_wait_minutes=10)
    await app.send(app.updates.command(ana, "start"))
    before = await snapshot(app.runtime)
    app.double.clear_calls()
    for section, action in [
        (S.MAIN, A.OPEN),
        (S.MAIN, A.CANCEL),
        (S.DASHBOARD, A.OPEN),
    ]:
        await app.press(ana, cb(section, action))
        assert "reservada a los custodios" in (app.answer()["text"] or "")
    assert await snapshot(app.runtime) == before
    assert {c.method for c in app.double.calls} == {"answerCallbackQuery"}
