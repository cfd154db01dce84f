"""``/run_tests``, the panel's "Diagnóstico" and ``lucien doctor``: each failure mode gives
its own line, on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from lucien.callbacks import AdminSection as S
from lucien.db.migrations import expected_head
from lucien.ops.cli import doctor
from lucien.ops.diagnostics import run_report
from lucien.runtime import Runtime
from lucien.settings import Settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.voice import Voice
from lucien.web.webhook import create_webhook_app
from tests.access_support import button
from tests.admin_support import cb
from tests.conftest import SECRET, Backend, Harness, make_settings
from tests.factories import VIP
from tests.ops_support import PUBLIC_URL, failing, healthy, heartbeat, set_schema_version


@pytest.fixture
def settings(backend: Backend, redis_prefix: str) -> Settings:
    return make_settings(backend, redis_prefix, public_url=PUBLIC_URL)


def _text(app: Harness, chat_id: int) -> str:
    return "\n".join(app.texts_to(chat_id))


async def test_a_healthy_deployment_passes_everything(app: Harness, owner: TgUser) -> None:
    await healthy(app.runtime, app.double)
    code, report = await doctor(app.runtime)
    assert report["failing"] == [], report
    assert code == 0
    names = [c["name"] for c in report["checks"]]
    assert names[:5] == ["database", "schema", "redis", "webhook", "identity"]
    assert {s["name"] for s in report["smoke"]} == {"smoke_start", "smoke_redeem", "smoke_cron"}
    assert all(s["ms"] > 0 for s in report["smoke"])
    assert report["duration_ms"] < 20_000

    await app.send(app.updates.command(owner, "run_tests"))
    shown = app.double.last_message(owner.id)
    assert shown is not None
    assert "Diagnóstico · todo en orden" in shown["text"]
    assert "✅ 🚪 Ensayo: una visita nueva" in shown["text"]
    assert "❌" not in shown["text"]


async def test_the_panel_button_runs_it_and_a_member_cannot(
    app: Harness, owner: TgUser, ana: TgUser
) -> None:
    await healthy(app.runtime, app.double)
    await app.send(app.updates.command(owner, "admin"))
    data = button(app.double.last_message(owner.id), "🩺 Diagnóstico")["callback_data"]
    await app.send(app.updates.callback(owner, data))
    assert "todo en orden" in (app.double.last_message(owner.id) or {})["text"]

    await app.send(app.updates.command(ana, "run_tests"))
    assert "Diagnóstico" not in _text(app, ana.id)
    await app.send(app.updates.callback(ana, data))
    assert "Diagnóstico" not in _text(app, ana.id)


async def _break_schema(app: Harness) -> Callable[[], Awaitable[None]]:
    await set_schema_version(app.runtime, "0001")

    async def undo() -> None:
        await set_schema_version(app.runtime, expected_head() or "")

    return undo


async def _break_webhook(app: Harness) -> None:
    app.double.webhook.url = "https://somewhere-else.test/webhook"


async def _break_updates(app: Harness) -> None:
    # Registered by the version before Stars payments: no checkouts would ever arrive.
    app.double.webhook.allowed_updates = [
        u for u in app.double.webhook.allowed_updates or [] if u != "pre_checkout_query"
    ]


async def _break_rights(app: Harness) -> None:
    app.double.set_bot_admin(VIP, can_restrict_members=False)


async def _break_cron(app: Harness) -> None:
    from sqlalchemy import delete

    from lucien.db.models import JobRun

    async with app.runtime.sessions.begin() as session:
        await session.execute(delete(JobRun))
    await heartbeat(app.runtime, minutes_ago=90)


FAILURES: dict[str, tuple[str, str, str]] = {
    # mode: (check, problem code, the line in /run_tests)
    "schema behind": ("schema", "behind", "❌ 📐 Orden del archivo · le faltan reformas"),
    "webhook URL mismatch": (
        "webhook",
        "url_mismatch",
        "❌ 📮 Buzón de Telegram · no apunta a mi dirección pública · apunta a "
        "https://somewhere-else.test/webhook, debería ser https://lucien.test/webhook",
    ),
    "webhook updates missing": (
        "webhook",
        "updates_missing",
        "❌ 📮 Buzón de Telegram · no me entrega todo lo que atiendo: regístrelo de nuevo "
        "(lucien set-webhook) · apunta a https://lucien.test/webhook · no llegan "
        "pre_checkout_query",
    ),
    "missing channel right": (
        "channel_vip",
        "rights",
        "❌ 👑 Diván (canal VIP) · me faltan permisos · restringir y expulsar miembros",
    ),
    "stale cron": ("cron", "stale", "❌ 🕰 Ronda periódica · lleva demasiado tiempo sin ejecutarse"),
}


@pytest.mark.parametrize("mode", list(FAILURES))
async def test_each_failure_mode_has_its_line(app: Harness, owner: TgUser, mode: str) -> None:
    await healthy(app.runtime, app.double)
    undo = None
    if mode == "schema behind":
        undo = await _break_schema(app)
    elif mode == "webhook URL mismatch":
        await _break_webhook(app)
    elif mode == "webhook updates missing":
        await _break_updates(app)
    elif mode == "missing channel right":
        await _break_rights(app)
    else:
        await _break_cron(app)
    check, problem, line = FAILURES[mode]
    try:
        code, report = await doctor(app.runtime, smoke=False)
        await app.send(app.updates.command(owner, "run_tests"))
    finally:
        if undo is not None:
            await undo()
    assert code == 1
    assert failing(report) == {check: problem}
    shown = (app.double.last_message(owner.id) or {})["text"]
    assert line in shown, shown
    assert shown.count("❌") == 1


@pytest.fixture
async def redis_down(
    backend: Backend, settings: Settings, double: TelegramDouble, runtime: Runtime
) -> AsyncIterator[Harness]:
    """The same deployment, with Redis configured but nothing listening there."""
    broken = Runtime(
        settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}),
        telegram_transport=httpx.ASGITransport(app=double.app),
        double=double,
    )
    transport = httpx.ASGITransport(app=create_webhook_app(broken))
    async with httpx.AsyncClient(transport=transport, base_url="http://lucien.test") as client:
        yield Harness(client, double, broken, double.updates)
    await broken.aclose()


async def test_redis_down_is_reported_and_the_fallback_named(
    redis_down: Harness, owner: TgUser
) -> None:
    app = redis_down
    await healthy(app.runtime, app.double)
    code, report = await doctor(app.runtime, smoke=False)
    assert code == 1
    assert failing(report) == {"redis": "down"}

    response = await app.post(app.updates.command(owner, "run_tests"), secret=SECRET)
    assert response.status_code == 200
    texts = _text(app, owner.id)
    assert (
        "❌ ⚡ Memoria rápida · La memoria rápida no responde; trabajo con la de respaldo." in texts
    )


async def test_the_summary_warns_while_redis_is_down(
    app: Harness, redis_down: Harness, owner: TgUser
) -> None:
    warning = "La memoria rápida no responde; trabajo con la de respaldo."
    await healthy(app.runtime, app.double)
    for harness, warned in ((redis_down, True), (app, False)):
        # The same deployment with Redis not answering, then answering (or none configured).
        await harness.send(harness.updates.command(owner, "admin"))
        await harness.press(owner, cb(S.DASHBOARD))
        text = harness.text(owner)
        assert "Resumen" in text and (warning in text) is warned, text


async def test_database_down(backend: Backend, settings: Settings, double: TelegramDouble) -> None:
    url = (
        "sqlite+aiosqlite:////nonexistent-dir/lucien.db"
        if backend.name == "sqlite"
        else "postgresql+asyncpg://postgres@127.0.0.1:1/test"
    )
    runtime = Runtime(
        settings.model_copy(update={"database_url": url, "redis_url": None}),
        telegram_transport=httpx.ASGITransport(app=double.app),
        double=double,
    )
    try:
        code, report = await doctor(runtime)
        found = await run_report(runtime)
    finally:
        await runtime.aclose()
    assert code == 1
    problems = failing(report)
    assert problems["database"] == "unreachable"
    assert problems["schema"] == "no_database"
    assert problems["smoke_start"] == "no_database"
    assert "redis" not in problems and "identity" not in problems

    text = (
        Voice(history=None, user_id=None)
        .diagnostics.report(checks=found["checks"], smoke=found["smoke"], pytest=found["pytest"])
        .text
    )
    assert "❌ 🗄 Archivo · no responde" in text
    assert "❌ 📐 Orden del archivo · sin revisar: el archivo no responde" in text


async def test_pytest_is_refused_in_production_with_a_reason(runtime: Runtime) -> None:
    from lucien.ops.diagnostics import pytest_card

    production = Runtime(runtime.settings.model_copy(update={"lucien_env": "production"}))
    try:
        card = pytest_card(production, run=True)
    finally:
        await production.aclose()
    assert card.ok and card.problem == "production"
    line = (
        Voice(history=None, user_id=None).diagnostics.report(checks=[], smoke=[], pytest=card).text
    )
    assert "no se ejecutan en producción" in line


def test_pytest_runs_in_a_subprocess_in_development(sqlite_backend: Backend) -> None:
    import asyncio

    from lucien.ops.diagnostics import pytest_card

    runtime = Runtime(make_settings(sqlite_backend, "x:"))
    card = pytest_card(runtime, run=True, args=["tests/test_settings.py", "-x"])
    asyncio.run(runtime.aclose())
    assert card.ok, card
    assert "passed" in card.facts["summary"]


async def test_rehearsal_shows_the_dry_run_report(app: Harness, owner: TgUser) -> None:
    await healthy(app.runtime, app.double)
    await app.send(app.updates.command(owner, "run_tests"))
    data = button(app.double.last_message(owner.id), "🧪 Ensayo de la ronda")["callback_data"]
    before = len(app.double.calls)
    await app.send(app.updates.callback(owner, data))
    text = _text(app, owner.id)
    assert "Ronda periódica · 🧪 ensayo" in text
    assert "Modo ensayo" in text
    methods = {c.method for c in app.double.calls[before:]}
    assert methods <= {"answerCallbackQuery", "editMessageText", "sendMessage", "getMe"}


async def test_lambda_doctor_event(
    app: Harness, backend: Backend, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Lambda there is no shell: the cron function answers ``{"lucien": "doctor"}``."""
    import asyncio

    from tests.test_cron import _in_new_loop

    await healthy(app.runtime, app.double)
    answer = await asyncio.to_thread(
        _in_new_loop, backend, redis_prefix, app.double, {"lucien": "doctor"}, monkeypatch
    )
    # That runtime has no PUBLIC_URL, so the webhook check cannot fail on it; all else passes.
    assert answer["exit_code"] == 0, answer["failing"]
    assert {c["name"] for c in answer["smoke"]} == {"smoke_start", "smoke_redeem", "smoke_cron"}
