"""Retry safety at the pipeline: what each failure answers, and that nothing loops.

Faults are injected where they happen in production: in the Telegram double (Bot API
refusals) and at the HTTP transport below aiogram (respx: refused connections, timeouts,
truncated and non-JSON answers). Every test posts real Update JSON to the webhook.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

from lucien.db.models import DeadLetter, User
from lucien.runtime import Runtime
from lucien.settings import Settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.telegram.double import errors as tg
from lucien.web.webhook import create_webhook_app
from tests.access_support import buttons
from tests.conftest import OWNER_ID, SECRET, Backend, Harness, free_port, make_settings

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def _harness(runtime: Runtime, double: TelegramDouble) -> AsyncIterator[Harness]:
    webhook = create_webhook_app(runtime)
    transport = httpx.ASGITransport(app=webhook)
    async with httpx.AsyncClient(transport=transport, base_url="http://lucien.test") as client:
        yield Harness(client, double, runtime, double.updates)


def _in_process(settings: Settings, double: TelegramDouble) -> Runtime:
    return Runtime(settings, telegram_transport=httpx.ASGITransport(app=double.app), double=double)


def _forwarder(double: TelegramDouble) -> Callable[[httpx.Request], Awaitable[httpx.Response]]:
    """A respx side effect that lets a call through to the double."""
    inner = httpx.ASGITransport(app=double.app)

    async def forward(request: httpx.Request) -> httpx.Response:
        response = await inner.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    return forward


# -- transient: the transport ----------------------------------------------------------

TRANSPORT_FAULTS: dict[str, httpx.Response | Exception] = {
    "connection refused": httpx.ConnectError("[Errno 111] Connection refused"),
    "read timeout": httpx.ReadTimeout("timed out"),
    "truncated answer": httpx.Response(200, text='{"ok": true, "result": {"message_id": 1, "da'),
    "non-JSON answer": httpx.Response(502, text="<html><h1>502 Bad Gateway</h1></html>"),
}


@pytest.mark.parametrize("fault", list(TRANSPORT_FAULTS))
async def test_transport_faults_are_redelivered_then_succeed(
    backend: Backend, settings: Settings, double: TelegramDouble, ana: TgUser, fault: str
) -> None:
    await backend.truncate()
    router = respx.MockRouter(assert_all_called=False)
    forward = _forwarder(double)
    router.post(path__regex=r"/sendMessage$").mock(
        # respx 0.23's SideEffectListTypes leaves out callables, though Route resolves a
        # callable taken from the list like any other (models.py, _resolve_side_effect).
        side_effect=[TRANSPORT_FAULTS[fault], forward, forward]  # type: ignore[list-item]
    )
    router.route().mock(side_effect=forward)
    runtime = Runtime(
        settings, telegram_transport=httpx.MockTransport(router.async_handler), double=double
    )
    try:
        async for app in _harness(runtime, double):
            update = app.updates.command(ana, "/start")
            first = await app.post(update)
            assert first.status_code >= 500, first.text
            assert app.double.sent_messages(ana.id) == []
            again = await app.post(update)
            assert again.status_code == 200 and again.json()["outcome"] == "handled"
            assert len(app.double.sent_messages(ana.id)) == 1
            assert (await app.post(update)).json()["outcome"] == "duplicate"
            assert len(app.double.sent_messages(ana.id)) == 1
    finally:
        await runtime.aclose()


# -- permanent: settle with 200 ----------------------------------------------------------


async def test_button_press_redelivered_after_its_query_expired_settles(
    app: Harness, ana: TgUser
) -> None:
    await app.send(app.updates.command(ana, "/start"))
    first_button = buttons(app.double.last_message(ana.id))[0]
    press = app.updates.callback(ana, str(first_button["callback_data"]))
    app.double.fail_network("editMessageText")
    app.double.fail_network("sendMessage")
    failed = await app.post(press)
    assert failed.status_code >= 500
    # Minutes later Telegram redelivers; the query can no longer be answered.
    app.double.fail("answerCallbackQuery", 400, tg.QUERY_TOO_OLD, times=None)
    redelivered = await app.post(press)
    assert redelivered.status_code == 200, redelivered.text
    # The press still did its work: the screen changed (edited or sent anew).
    shown = [c for c in app.double.calls if c.method in ("editMessageText", "sendMessage")]
    assert shown and shown[-1].ok
    assert (await app.post(press)).json()["outcome"] == "duplicate"


async def test_admin_in_a_chat_the_bot_cannot_write_to_settles(
    app: Harness, owner: TgUser, caplog: pytest.LogCaptureFixture
) -> None:
    app.double.fail("sendMessage", 400, tg.CHAT_NOT_FOUND, times=None)
    update = app.updates.command(owner, "/admin")
    response = await app.post(update)
    assert response.status_code == 200, response.text
    assert "chat not found" in caplog.text and "settled" in caplog.text
    assert (await app.post(update)).json()["outcome"] == "duplicate"
    assert len(app.double.calls_to("sendMessage")) == 1


async def test_blocked_by_the_person_settles_and_marks_unreachable(
    app: Harness, ana: TgUser
) -> None:
    app.double.fail("sendMessage", 403, tg.BOT_BLOCKED, times=None)
    assert (await app.post(app.updates.command(ana, "/start"))).status_code == 200
    async with app.runtime.sessions() as session:
        user = await session.get(User, ana.id)
    assert user is not None and user.unreachable


async def test_unknown_refusal_stays_transient(app: Harness, ana: TgUser) -> None:
    app.double.fail("sendMessage", 400, "Bad Request: something new and strange")
    update = app.updates.command(ana, "/start")
    assert (await app.post(update)).status_code >= 500
    assert (await app.send(update)).json()["outcome"] == "handled"


async def test_nul_and_lone_surrogate_in_a_first_name_are_cleaned(
    app: Harness,
) -> None:
    odd = TgUser(id=5077, first_name="Ana", username="odd")
    update = app.updates.command(odd, "/start")
    # "\u0000" and "\ud800" escapes in the JSON, as Telegram would send them.
    body = json.dumps(update).replace('"Ana"', '"A\\u0000na\\ud800"')
    assert "\\u0000" in body
    response = await app.client.post(
        "/webhook", content=body, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert response.status_code == 200 and response.json()["outcome"] == "handled"
    async with app.runtime.sessions() as session:
        user = await session.get(User, odd.id)
    assert user is not None and user.first_name == "Ana?"
    assert len(app.double.sent_messages(odd.id)) == 1


# -- §7 edges ---------------------------------------------------------------------------


async def test_deeply_nested_json_is_400(app: Harness, ana: TgUser) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = await app.client.post(
        "/webhook", content=deep, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    update = app.updates.command(ana, "/start")
    nested: Any = {}
    for _ in range(200):
        nested = {"x": nested}
    update["message"]["extra"] = nested
    response = await app.post(update)
    assert response.status_code == 400 and "nested" in response.json()["error"]
    assert app.double.calls == []


async def test_admin_panel_answers_only_in_private_chats(app: Harness, owner: TgUser) -> None:
    group = {"id": -100777, "type": "group", "title": "Tertulia"}
    for text in ("/admin", "/start"):
        await app.send(app.updates.command(owner, text, chat=group))
    assert app.double.calls_to("sendMessage") == []
    await app.send(app.updates.command(owner, "/admin"))
    assert len(app.double.sent_messages(owner.id)) == 1


async def test_health_is_degraded_not_503_when_only_redis_is_down(
    backend: Backend, redis_prefix: str
) -> None:
    from lucien.web.health_app import create_health_app

    settings = make_settings(backend, redis_prefix, redis_url="redis://127.0.0.1:1/0")
    runtime = Runtime(settings)
    transport = httpx.ASGITransport(app=create_health_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://h") as client:
        response = await client.get("/health")
    await runtime.aclose()
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "degraded"
    assert response.json()["failing"] == ["redis"]


async def test_redis_pool_size_comes_from_settings(backend: Backend, redis_prefix: str) -> None:
    settings = make_settings(
        backend, redis_prefix, redis_url="redis://127.0.0.1:6379/0", redis_max_connections=7
    )
    runtime = Runtime(settings)
    client = runtime.redis()
    assert client is not None
    assert client.connection_pool.max_connections == 7
    await runtime.aclose()


# -- the poison guard --------------------------------------------------------------------


async def _dead_letters(runtime: Runtime) -> list[DeadLetter]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(DeadLetter)))


def _notices(app: Harness) -> list[str]:
    return [t for t in app.texts_to(OWNER_ID) if "dead-letters replay" in t]


async def test_poison_update_is_set_aside_after_n_failures_and_replayed(
    app: Harness, ana: TgUser
) -> None:
    from lucien.cli.dead_letters import list_letters, replay_letter

    limit = app.runtime.settings.update_max_attempts
    app.double.fail("sendMessage", 500, "Internal Server Error", times=None, chat_id=ana.id)
    update = app.updates.command(ana, "/start")
    for _ in range(limit - 1):
        assert (await app.post(update)).status_code >= 500
    assert await _dead_letters(app.runtime) == []
    last = await app.post(update)
    assert last.status_code == 200 and last.json()["outcome"] == "dead_letter"
    letters = await _dead_letters(app.runtime)
    assert len(letters) == 1 and letters[0].attempts == limit
    assert "Internal Server Error" in letters[0].error
    assert len(_notices(app)) == 1  # the owner is told, once
    assert (await app.post(update)).json()["outcome"] == "duplicate"
    assert len(_notices(app)) == 1

    listed = await list_letters(app.runtime)
    assert [row["id"] for row in listed] == [letters[0].id]
    app.double.clear_faults()
    assert await replay_letter(app.runtime, letters[0].id) == "handled"
    assert len(app.double.sent_messages(ana.id)) == 1
    (replayed,) = await _dead_letters(app.runtime)
    assert replayed.replayed_at is not None and replayed.replay_outcome == "handled"


async def test_poison_update_is_set_aside_once_too_old(
    backend: Backend, redis_prefix: str, double: TelegramDouble, ana: TgUser
) -> None:
    import asyncio

    await backend.truncate()
    # Two seconds, not one: a first attempt slowed by a loaded machine must not already
    # count as too old (it would be set aside on its first failure, not its second).
    settings = make_settings(backend, redis_prefix, update_max_age_seconds=2)
    runtime = _in_process(settings, double)
    try:
        async for app in _harness(runtime, double):
            app.double.fail_network("sendMessage", times=None)
            update = app.updates.command(ana, "/start")
            assert (await app.post(update)).status_code >= 500
            await asyncio.sleep(2.2)
            app.double.clear_faults()
            late = await app.post(update)
            assert late.status_code == 200 and late.json()["outcome"] == "dead_letter"
            assert app.double.sent_messages(ana.id) == []
            assert len(_notices(app)) == 1
            assert len(await _dead_letters(runtime)) == 1
    finally:
        await runtime.aclose()


# -- fail closed -------------------------------------------------------------------------


def test_real_token_without_secrets_refuses_to_serve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lucien.boot import settings_or_exit
    from lucien.settings import get_settings

    for name in ("WEBHOOK_SECRET", "CRON_SECRET", "LUCIEN_ENV", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_TOKEN", "123456:REAL-LOOKING")
    monkeypatch.setenv("LUCIEN_ENV", "development")
    get_settings.cache_clear()
    try:
        for serves, missing in (
            (("webhook",), ["WEBHOOK_SECRET"]),
            (("cron",), ["CRON_SECRET"]),
            (("webhook", "cron"), ["WEBHOOK_SECRET", "CRON_SECRET"]),
        ):
            with pytest.raises(SystemExit) as stopped:
                settings_or_exit(*serves)
            assert stopped.value.code == 2
            lines = capsys.readouterr().err.strip().splitlines()
            assert [line.split(": ")[2].split()[0] for line in lines] == missing
            assert all(line.startswith("lucien: configuration: ") for line in lines)
            assert "REAL-LOOKING" not in "".join(lines)
        assert settings_or_exit().bot_token is not None  # long polling needs neither
        monkeypatch.delenv("BOT_TOKEN")
        get_settings.cache_clear()
        assert settings_or_exit("webhook", "cron").sandbox  # the sandbox runs open
    finally:
        get_settings.cache_clear()


async def test_real_token_without_secret_lets_nothing_in(
    backend: Backend, redis_prefix: str, double: TelegramDouble, ana: TgUser
) -> None:
    from lucien.web.cron import create_cron_app

    settings = make_settings(backend, redis_prefix, webhook_secret="", cron_secret="")
    runtime = _in_process(settings, double)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_webhook_app(runtime)), base_url="http://l"
    ) as client:
        refused = await client.post("/webhook", json=double.updates.command(ana, "/start"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_cron_app(runtime)), base_url="http://c"
    ) as client:
        closed = await client.post("/cron")
    await runtime.aclose()
    assert refused.status_code == 401
    assert closed.status_code == 503
    assert double.calls == []


# -- Redis dies mid-update (PostgreSQL + a test-owned redis-server) -----------------------


class OwnedRedis:
    """A redis-server this test starts, kills and restarts (no persistence: a restart
    comes back empty, like a Redis that lost its data)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: Any = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import shutil
        import subprocess
        import time

        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def owned_redis() -> Any:
    server = OwnedRedis()
    server.start()
    yield server
    server.kill()


async def test_redis_dying_during_the_work_greets_once(
    postgres_backend: Backend,
    redis_prefix: str,
    double: TelegramDouble,
    ana: TgUser,
    owned_redis: Any,
) -> None:
    backend = postgres_backend
    await backend.truncate()
    settings = make_settings(backend, redis_prefix, redis_url=owned_redis.url)
    runtime = _in_process(settings, double)
    original = double.methods["sendMessage"]

    def send_and_kill_redis(state: Any, params: Any) -> Any:
        owned_redis.kill()  # the moment Telegram is called, Redis goes away
        return original(state, params)

    double.register("sendMessage", send_and_kill_redis)
    try:
        async for app in _harness(runtime, double):
            update = app.updates.command(ana, "/start")
            first = await app.post(update)
            assert first.status_code == 200 and first.json()["outcome"] == "handled"
            double.register("sendMessage", original)
            # Redelivered while Redis is still down: the database ledger knows.
            assert (await app.post(update)).json()["outcome"] == "duplicate"
            # Redelivered after Redis came back (empty): its claim asks the database.
            owned_redis.start()
            assert (await app.post(update)).json()["outcome"] == "duplicate"
            assert len(app.double.sent_messages(ana.id)) == 1
    finally:
        await runtime.aclose()


@pytest.mark.parametrize("outage", ["restarted empty", "unreachable, data kept"])
async def test_done_marks_written_during_an_outage_are_honoured_after_it(
    postgres_backend: Backend,
    redis_prefix: str,
    double: TelegramDouble,
    ana: TgUser,
    owned_redis: Any,
    outage: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from redis.asyncio import Redis

    backend = postgres_backend
    await backend.truncate()
    settings = make_settings(backend, redis_prefix, redis_url=owned_redis.url)
    runtime = _in_process(settings, double)
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        async for app in _harness(runtime, double):
            before = app.updates.command(ana, "/start")
            await app.send(before)  # Redis holds this one's done mark
            if outage == "restarted empty":
                owned_redis.kill()
            else:  # a partition: this process cannot reach a Redis that keeps its data
                monkeypatch.setattr(runtime, "redis", lambda: dead)
            during = app.updates.command(ana, "/menu")
            assert (await app.send(during)).json()["outcome"] == "handled"
            if outage == "restarted empty":
                owned_redis.start()
            else:
                monkeypatch.undo()
            assert (await app.send(during)).json()["outcome"] == "duplicate"
            # A mark that lived only in Redis is kept by a partition, and lost with a
            # Redis that restarts without persistence (the README names this limit).
            again = (await app.send(before)).json()["outcome"]
            assert again == ("handled" if outage == "restarted empty" else "duplicate")
    finally:
        await dead.aclose()
        await runtime.aclose()


async def test_attempts_that_never_reported_back_are_set_aside(app: Harness, ana: TgUser) -> None:
    """Attempts that crashed or timed out record no failure; the claim count still stops them."""
    from lucien.pipeline import ledger_for

    update = app.updates.command(ana, "/start")
    for _ in range(app.runtime.settings.update_max_attempts):
        ledger = ledger_for(app.runtime)
        assert (await ledger.claim(update["update_id"])).attempt >= 1
        await ledger.release(update["update_id"])  # as an expired lease would
    response = await app.post(update)
    assert response.json()["outcome"] == "dead_letter"
    (letter,) = await _dead_letters(app.runtime)
    assert letter.error == "earlier attempts did not finish"
    assert app.double.sent_messages(ana.id) == []
    assert len(_notices(app)) == 1
