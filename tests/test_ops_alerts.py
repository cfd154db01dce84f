"""Alerts reach the custodians once per signature per hour, never those who opted out, and
carry no personal data."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from lucien.db.models import utcnow
from lucien.ops import alerts
from lucien.telegram.double import TgUser
from tests.access_support import button
from tests.conftest import ADMIN_ID, OWNER_ID, Harness
from tests.ops_support import heartbeat


def _alerts_to(app: Harness, chat_id: int) -> list[str]:
    return [t for t in app.texts_to(chat_id) if "Aviso de la casa" in t]


async def test_deduplicated_and_rate_limited(app: Harness) -> None:
    now = utcnow()
    sent = await asyncio.gather(
        *(
            alerts.raise_alert(app.runtime, "cron_stale", "cron_stale", now=now, minutes=30)
            for _ in range(5)
        )
    )
    assert sent.count(True) == 1
    assert len(_alerts_to(app, OWNER_ID)) == 1 and len(_alerts_to(app, ADMIN_ID)) == 1

    # Same signature within the hour: held back. Another signature: sent.
    assert not await alerts.raise_alert(
        app.runtime, "cron_stale", "cron_stale", now=now + timedelta(minutes=59), minutes=89
    )
    assert await alerts.raise_alert(
        app.runtime, "cron_failed", "cron_failed:expiry", steps="expiry"
    )
    assert len(_alerts_to(app, OWNER_ID)) == 2

    # After the window it is sent again.
    assert await alerts.raise_alert(
        app.runtime, "cron_stale", "cron_stale", now=now + timedelta(minutes=61), minutes=91
    )
    assert len(_alerts_to(app, OWNER_ID)) == 3
    assert "La ronda periódica lleva 91 minutos sin pasar." in _alerts_to(app, OWNER_ID)[-1]


async def test_a_custodian_opts_out_in_the_panel(app: Harness, owner: TgUser) -> None:
    await app.send(app.updates.command(owner, "run_tests"))
    data = button(app.double.last_message(owner.id), "🔕 No recibir avisos")["callback_data"]
    await app.send(app.updates.callback(owner, data))
    assert not await alerts.alerts_on(app.runtime, owner.id)
    # The report's switch now offers the opposite.
    button(app.double.last_message(owner.id), "🔔 Recibir avisos")

    assert await alerts.raise_alert(app.runtime, "redis_fallback", "redis_fallback")
    assert _alerts_to(app, owner.id) == []
    assert len(_alerts_to(app, ADMIN_ID)) == 1

    data = button(app.double.last_message(owner.id), "🔔 Recibir avisos")["callback_data"]
    await app.send(app.updates.callback(owner, data))
    assert await alerts.alerts_on(app.runtime, owner.id)


async def test_a_dead_letter_alerts_the_other_custodians_without_personal_data(
    app: Harness,
) -> None:
    """A failed update is redelivered quietly; once the poison guard sets it aside, the
    owner has the pipeline's own notice and the other custodians get the alert."""
    hostile = TgUser(id=6001, first_name="Zoé Secreta", username="zoe_secret")
    app.double.fail("sendMessage", 500, "Internal Server Error", times=None, chat_id=hostile.id)
    update = app.updates.command(hostile, "start")
    attempts = app.runtime.settings.update_max_attempts
    for _ in range(attempts - 1):
        assert (await app.post(update)).status_code == 500
        assert _alerts_to(app, ADMIN_ID) == []
    final = await app.post(update)
    assert final.status_code == 200 and final.json()["outcome"] == "dead_letter"

    admin_alerts = _alerts_to(app, ADMIN_ID)
    assert len(admin_alerts) == 1
    assert "1 mensajes apartados" in admin_alerts[0] and "start.on_start" in admin_alerts[0]
    for leak in ("Zoé", "zoe_secret", "6001"):
        assert leak not in admin_alerts[0]
    assert _alerts_to(app, OWNER_ID) == []  # the owner has the dead-letter notice instead
    assert any("Un recado que no logré cumplir" in t for t in app.texts_to(OWNER_ID))


async def test_stale_heartbeat_and_webhook_error_are_watched(app: Harness) -> None:
    assert not await alerts.watch_heartbeat(app.runtime)  # never ran: a summary warning only
    await heartbeat(app.runtime, minutes_ago=40)
    assert await alerts.watch_heartbeat(app.runtime)
    assert "40 minutos" in _alerts_to(app, OWNER_ID)[-1]

    app.double.webhook.url = "https://lucien.test/webhook"
    app.double.set_webhook_error("Wrong response from the webhook: 502 Bad Gateway")
    app.double.set_pending_update_count(7)
    assert await alerts.watch_webhook(app.runtime)
    text = _alerts_to(app, OWNER_ID)[-1]
    assert "502 Bad Gateway" in text and "7 en espera" in text


async def test_a_cron_run_with_a_failing_step_alerts(app: Harness) -> None:
    from lucien.jobs import runner
    from lucien.ops.seam import observed_cron

    async def broken(_ctx: object) -> None:
        raise RuntimeError("boom")

    original = runner.STEPS
    runner.STEPS = (("expiry", broken), *original[1:])
    try:
        summary = await observed_cron(app.runtime, steps=runner.STEPS)
    finally:
        runner.STEPS = original
    assert summary["failed_steps"] == ["expiry"]
    assert "pasos: expiry" in _alerts_to(app, OWNER_ID)[-1]
