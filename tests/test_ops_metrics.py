"""``GET /metrics``: off without a token, refused without the right one, Prometheus text that
``prometheus_client`` parses, and totals that add up across stateless instances."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lucien.runtime import Runtime
from lucien.settings import Settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.web.webhook import create_webhook_app
from tests.conftest import SECRET, Backend, Harness, make_settings

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def settings(backend: Backend, redis_prefix: str) -> Settings:
    return make_settings(backend, redis_prefix, metrics_token=TOKEN)


async def _post_via(runtime: Runtime, update: dict[str, object]) -> httpx.AsyncClient:
    """Post ``update`` to another instance's webhook app; its client stays open to scrape."""
    transport = httpx.ASGITransport(app=create_webhook_app(runtime))
    client = httpx.AsyncClient(transport=transport, base_url="http://other")
    response = await client.post(
        "/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 200, response.text
    return client


def _in_process(settings: Settings, double: TelegramDouble) -> Runtime:
    return Runtime(settings, telegram_transport=httpx.ASGITransport(app=double.app), double=double)


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def _scrape(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


async def test_refused_without_the_token(app: Harness) -> None:
    assert (await app.client.get("/metrics")).status_code == 401
    wrong = await app.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "lucien" not in wrong.text


async def test_off_when_no_token_is_configured(
    runtime: Runtime, backend: Backend, redis_prefix: str
) -> None:
    plain = Runtime(make_settings(backend, redis_prefix))
    transport = httpx.ASGITransport(app=create_webhook_app(plain))
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer anything"})
    await plain.aclose()
    assert response.status_code == 404


async def test_counts_updates_latency_and_telegram_calls(app: Harness, ana: TgUser) -> None:
    for _ in range(3):
        await app.send(app.updates.command(ana, "start"))
    await app.send(app.updates.callback(ana, "forged:data"))
    found = await _scrape(app.client)
    assert found[("lucien_updates_total", (("kind", "message"), ("outcome", "handled")))] == 3
    assert (
        found[("lucien_updates_total", (("kind", "callback_query"), ("outcome", "handled")))] == 1
    )
    assert found[("lucien_update_duration_seconds_count", ())] == 4
    assert found[("lucien_update_duration_seconds_bucket", (("le", "+Inf"),))] == 4
    assert found[("lucien_telegram_calls_total", (("error", ""), ("method", "sendMessage")))] >= 3
    assert found[("lucien_sql_statements_total", ())] > 0


async def test_totals_hold_across_instances(
    app: Harness, settings: Settings, double: TelegramDouble, ana: TgUser
) -> None:
    """Two instances serve updates; a third, that served none, answers the scrape."""
    other = _in_process(settings, double)
    scraper = Runtime(settings)
    try:
        await app.send(app.updates.command(ana, "start"))
        await (await _post_via(other, app.updates.command(ana, "start"))).aclose()
        transport = httpx.ASGITransport(app=create_webhook_app(scraper))
        async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
            found = await _scrape(client)
    finally:
        await other.aclose()
        await scraper.aclose()
    assert found[("lucien_updates_total", (("kind", "message"), ("outcome", "handled")))] == 2


async def test_cron_rows_are_counted(app: Harness) -> None:
    from lucien.ops.seam import observed_cron

    await observed_cron(app.runtime)
    found = await _scrape(app.client)
    assert found[("lucien_cron_runs_total", (("status", "ok"),))] == 1


async def test_cron_rows_by_step_and_outcome(app: Harness) -> None:
    from datetime import timedelta

    from lucien.db.models import ProcessedUpdate, utcnow
    from lucien.ops.seam import observed_cron

    old = utcnow() - timedelta(days=30)
    async with app.runtime.sessions.begin() as session:
        session.add(ProcessedUpdate(update_id=1, status="done", claimed_at=old, completed_at=old))
    summary = await observed_cron(app.runtime)
    found = await _scrape(app.client)
    cleanup = {
        labels: value
        for (name, labels), value in found.items()
        if name == "lucien_cron_rows_total" and ("step", "cleanup") in labels
    }
    assert sum(cleanup.values()) >= 1, (cleanup, summary["counts"])


async def test_redis_fallback_is_counted_in_the_database(
    app: Harness, settings: Settings, double: TelegramDouble, ana: TgUser
) -> None:
    broken = _in_process(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), double)
    try:
        client = await _post_via(broken, app.updates.command(ana, "start"))
        try:
            found = await _scrape(client)
        finally:
            await client.aclose()
    finally:
        await broken.aclose()
    assert found[("lucien_fallback_activations_total", (("store", "ledger"),))] == 1
    assert found[("lucien_updates_total", (("kind", "message"), ("outcome", "handled")))] == 1


async def test_cache_hits_and_misses_are_exported(
    app: Harness, ana: TgUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache layer keeps process-wide counters; each update exports what they gained.
    Every update looks both up once; the first misses, a later one finds them (Redis: the
    very first update may also create the configuration row, which renews its key). With
    no Redis there is no cache and nothing to count."""
    from collections import Counter

    from lucien import cache
    from lucien.ops import metrics

    monkeypatch.setattr(cache, "stats", Counter())
    monkeypatch.setattr(metrics, "_cache_exported", {})
    for _ in range(3):
        await app.send(app.updates.command(ana, "start"))
    found = await _scrape(app.client)
    counted = {
        labels: value
        for (name, labels), value in found.items()
        if name == "lucien_cache_requests_total"
    }
    if app.runtime.redis() is None:
        assert not any(counted.values())
        return
    for which in ("config", "role"):
        hits = counted.get((("cache", which), ("result", "hit")), 0)
        misses = counted.get((("cache", which), ("result", "miss")), 0)
        assert hits + misses == 3
        assert hits >= 1 and misses >= 1
