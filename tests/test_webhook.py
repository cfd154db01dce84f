"""The webhook edge and its invariants, driven with real Update JSON over HTTP."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx

from lucien.runtime import Runtime
from lucien.telegram.double import TgUser
from lucien.web.webhook import create_webhook_app
from tests.conftest import SECRET, Harness, make_settings


async def test_start_greets_in_spanish(app: Harness, ana: TgUser) -> None:
    response = await app.send(app.updates.command(ana, "/start"))
    assert response.json()["ok"] is True
    sent = app.double.sent_messages(ana.id)
    assert len(sent) == 1
    assert "Lucien" in sent[0]["text"]
    assert "Ana" in sent[0]["text"]


async def test_wrong_or_missing_secret_is_401_and_nothing_runs(app: Harness, ana: TgUser) -> None:
    for secret in ("wrong", None, ""):
        response = await app.post(app.updates.command(ana, "/start"), secret=secret)
        assert response.status_code == 401
    assert app.double.calls == []


async def test_body_over_one_mebibyte_is_413(app: Harness) -> None:
    big = b'{"update_id": 1, "message": {"text": "' + b"x" * (1024 * 1024) + b'"}}'
    response = await app.client.post(
        "/webhook",
        content=big,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert app.double.calls == []


async def test_body_over_limit_without_content_length_is_413(app: Harness) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    response = await app.client.post(
        "/webhook", content=chunks(), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 413


async def test_invalid_json_and_non_updates_are_400(app: Harness) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body in (
        b"{not json",
        b"\xff\xfe",
        b"[1,2]",
        b'{"hello": 1}',
        b'{"update_id": "7"}',
        b'{"update_id": 5, "message": {"text": 3}}',
    ):
        response = await app.client.post("/webhook", content=body, headers=headers)
        assert response.status_code == 400, body
    assert app.double.calls == []


async def test_same_update_twice_has_one_effect(app: Harness, ana: TgUser) -> None:
    update = app.updates.command(ana, "/start")
    first = await app.send(update)
    second = await app.send(update)
    assert first.json()["outcome"] == "handled"
    assert second.json()["outcome"] == "duplicate"
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_same_update_concurrently_has_one_effect(app: Harness, ana: TgUser) -> None:
    update = app.updates.command(ana, "/start")
    responses = await asyncio.gather(*(app.post(update) for _ in range(8)))
    codes = [r.status_code for r in responses]
    assert codes.count(200) >= 1
    assert set(codes) <= {200, 503}
    assert len(app.double.sent_messages(ana.id)) == 1
    # Whatever was told to come back later finds it done.
    again = await app.send(update)
    assert again.json()["outcome"] == "duplicate"
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_failure_is_non_2xx_and_redelivery_succeeds(app: Harness, ana: TgUser) -> None:
    update = app.updates.command(ana, "/start")
    app.double.fail("sendMessage", 502, "Bad Gateway")
    failed = await app.post(update)
    assert failed.status_code >= 500
    assert app.double.sent_messages(ana.id) == []
    redelivered = await app.send(update)
    assert redelivered.json()["outcome"] == "handled"
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_redis_down_at_request_time_still_answers(
    app: Harness,
    backend,
    redis_prefix: str,
    ana: TgUser,  # type: ignore[no-untyped-def]
) -> None:
    settings = make_settings(backend, redis_prefix, redis_url="redis://127.0.0.1:1/0")
    runtime = Runtime(
        settings, telegram_transport=httpx.ASGITransport(app=app.double.app), double=app.double
    )
    webhook = create_webhook_app(runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=webhook), base_url="http://lucien.test"
    ) as client:
        update = app.updates.command(ana, "/start")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        first = await client.post("/webhook", json=update, headers=headers)
        second = await client.post("/webhook", json=update, headers=headers)
    await runtime.aclose()
    assert first.status_code == 200, first.text
    assert second.json()["outcome"] == "duplicate"
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_health_on_webhook_app(app: Harness) -> None:
    response = await app.client.get("/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["schema"]["ok"]
    if app.runtime.settings.redis_url:
        assert body["checks"]["redis"]["ok"]


def _join_new_sqlite_workers(before: set[threading.Thread]) -> None:
    """aiosqlite stops the worker thread of a connection that failed to open without
    waiting for it (``Connection._connect`` calls ``stop()`` and drops its future). If the
    test's event loop closes first, the worker's last ``call_soon_threadsafe`` raises in
    that thread, and pytest reports it against a later test. Those workers end on their
    own at once; this waits for them while the loop is still open."""
    for thread in set(threading.enumerate()) - before:
        if thread.name.endswith("(_connection_worker_thread)"):
            thread.join(timeout=5)


async def test_health_503_names_the_database(backend, redis_prefix: str) -> None:  # type: ignore[no-untyped-def]
    from lucien.web.health_app import create_health_app

    threads = set(threading.enumerate())
    for url in ("postgresql://postgres@127.0.0.1:1/nowhere", "sqlite:////nonexistent/dir/x.db"):
        settings = make_settings(backend, redis_prefix, database_url=url)
        runtime = Runtime(settings)
        transport = httpx.ASGITransport(app=create_health_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://h") as client:
            response = await client.get("/health")
        await runtime.aclose()
        assert response.status_code == 503
        assert "database" in response.json()["failing"]
    _join_new_sqlite_workers(threads)


async def test_health_503_when_schema_is_behind(app: Harness) -> None:
    from sqlalchemy import text

    async with app.runtime.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    try:
        response = await app.client.get("/health")
        assert response.status_code == 503
        assert response.json()["failing"] == ["schema"]
    finally:
        from lucien.db.migrations import expected_head

        async with app.runtime.engine.begin() as conn:
            await conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": expected_head()}
            )


def _apigw_v2_event(method: str, path: str, body: str = "", headers: dict | None = None) -> dict:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "lucien",
            "domainName": "abc.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abc",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "149.154.167.220",
                "userAgent": "TelegramBot",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:07:00:00 +0000",
            "timeEpoch": 1795676400000,
        },
        "body": body,
        "isBase64Encoded": False,
    }


async def test_lambda_handler_function_url_events(app: Harness, ana: TgUser) -> None:
    from lucien.web.lambda_handler import http_handler

    handler = http_handler(create_webhook_app(app.runtime))
    update = json.dumps(app.updates.command(ana, "/start"))

    def invoke(event: dict) -> dict:
        return handler(event, None)  # type: ignore[no-any-return]

    unauthorized = await asyncio.to_thread(invoke, _apigw_v2_event("POST", "/webhook", update))
    assert unauthorized["statusCode"] == 401
    ok = await asyncio.to_thread(
        invoke,
        _apigw_v2_event("POST", "/webhook", update, {"x-telegram-bot-api-secret-token": SECRET}),
    )
    assert ok["statusCode"] == 200, ok
    health = await asyncio.to_thread(invoke, _apigw_v2_event("GET", "/health"))
    assert health["statusCode"] == 200
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_flood_wait_is_honoured_within_the_update(app: Harness, ana: TgUser) -> None:
    app.double.fail_retry_after("sendMessage", 1)
    response = await app.send(app.updates.command(ana, "/start"))
    assert response.json()["outcome"] == "handled"
    attempts = app.double.calls_to("sendMessage")
    assert [c.error_code for c in attempts] == [429, None]
    assert len(app.double.sent_messages(ana.id)) == 1


async def test_user_who_blocked_the_bot_is_marked_unreachable(app: Harness, ana: TgUser) -> None:
    from sqlalchemy import select

    from lucien.db.models import User

    async def unreachable() -> bool:
        async with app.runtime.sessions() as session:
            return bool(await session.scalar(select(User.unreachable).where(User.id == ana.id)))

    app.double.block_bot(ana.id)
    response = await app.send(app.updates.command(ana, "/start"))
    # Redelivery would never succeed: the update is settled, the person marked.
    assert response.json()["outcome"] == "handled"
    assert await unreachable()
    app.double.unblock_bot(ana.id)
    await app.send(app.updates.command(ana, "/start"))
    assert not await unreachable()
    assert len(app.double.sent_messages(ana.id)) == 1
