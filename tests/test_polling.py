"""``lucien poll``: long polling through the same per-update pipeline as the webhook."""

from __future__ import annotations

import asyncio

from lucien.polling import run_polling
from lucien.telegram.double import TgUser
from tests.conftest import Harness


async def _until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_polling_handles_queued_updates(app: Harness, ana: TgUser) -> None:
    double = app.double
    double.webhook.url = "https://old.example.com/webhook"  # polling replaces the webhook
    first = app.updates.command(ana, "/start")
    double.queue_update(first)
    double.queue_update(app.updates.command(ana, "/help"))

    task = asyncio.create_task(run_polling(app.runtime, ["message", "callback_query"]))
    try:
        await _until(lambda: len(double.sent_messages(ana.id)) >= 2 and not double.update_queue)
        await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert double.webhook.url == ""
    assert not double.calls_to("deleteWebhook")[-1].params.get("drop_pending_updates")
    assert len(double.sent_messages(ana.id)) == 2  # /start and /help, each once
    offsets = [c.params.get("offset") for c in double.calls_to("getUpdates")]
    assert offsets[0] is None and first["update_id"] + 2 in offsets
