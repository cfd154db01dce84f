"""Test harness: the real app on SQLite and on PostgreSQL + Redis, Telegram faked at HTTP.

Every test that takes ``app`` (or anything built on it) runs twice: ``sqlite`` (embedded
default, FSM in the database) and ``postgres`` (PostgreSQL + Redis). Without those servers
the second variant skips with the reason; with ``LUCIEN_REQUIRE_SERVICES=1`` (CI) it fails.
Each run gets its own PostgreSQL database and Redis key prefix, so parallel runs on one
machine never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from lucien.db.engine import create_engine
from lucien.db.migrations import upgrade
from lucien.db.models import Base
from lucien.ops.metrics import flush_pending
from lucien.runtime import Runtime
from lucien.settings import Settings, load_settings
from lucien.telegram.double import TelegramDouble, TgUser, UpdateFactory
from lucien.web.webhook import create_webhook_app

PG_ADMIN_URL = os.environ.get("LUCIEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LUCIEN_TEST_REDIS", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("LUCIEN_REQUIRE_SERVICES") == "1"
SECRET = "test-secret_42"
OWNER_ID = 1001
ADMIN_ID = 1002
BACKENDS = ["sqlite", "postgres"]


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (LUCIEN_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(reason)


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts (uvicorn, Redis)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str | None

    async def truncate(self) -> None:
        engine = create_engine(self.database_url)
        async with engine.begin() as conn:
            if self.name == "postgres":
                names = ", ".join(t.name for t in Base.metadata.sorted_tables)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    await conn.execute(table.delete())
        await engine.dispose()


def _pg_reachable() -> str | None:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"
    return None


def _redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
    return None


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    path = Path(tmp_path_factory.mktemp("db")) / "lucien.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return Backend("sqlite", url, None)


@pytest.fixture(scope="session")
def postgres_backend() -> Iterator[Backend]:
    for problem in (_pg_reachable(), _redis_reachable()):
        if problem:
            _unavailable(problem)
    name = f"lucien_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    upgrade(url)
    yield Backend("postgres", url, REDIS_URL)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    chosen: Backend = request.getfixturevalue(f"{request.param}_backend")
    return chosen


@pytest.fixture
def redis_prefix() -> str:
    return f"lucien-test-{uuid.uuid4().hex[:10]}:"


async def _clear_redis(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def make_settings(backend: Backend, redis_prefix: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": "123456:TEST-TOKEN",
        "admin_user_ids": f"{OWNER_ID},{ADMIN_ID}",
        "database_url": backend.database_url,
        "redis_url": backend.redis_url or "",
        "webhook_secret": SECRET,
        "telegram_api_url": "https://telegram.test",
        "cron_secret": "cron-secret",
        "lucien_env": "development",
        "redis_prefix": redis_prefix,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def double() -> TelegramDouble:
    return TelegramDouble()


@pytest.fixture
def settings(backend: Backend, redis_prefix: str) -> Settings:
    return make_settings(backend, redis_prefix)


@pytest.fixture
async def runtime(
    backend: Backend, settings: Settings, double: TelegramDouble, redis_prefix: str
) -> AsyncIterator[Runtime]:
    await backend.truncate()
    rt = Runtime(settings, telegram_transport=httpx.ASGITransport(app=double.app), double=double)
    yield rt
    # Metrics buffered for this database (a test whose Redis was down falls back to it)
    # are written now, not by whichever later test's update finds the buffer due: that
    # stray INSERT would break statement counts elsewhere.
    await flush_pending(rt)
    await rt.aclose()
    if backend.redis_url:
        await _clear_redis(backend.redis_url, redis_prefix)


@dataclass
class Harness:
    """Posts real Update JSON to the webhook app, as Telegram would, and reads the screen.

    The one place tests act as a person (``press`` a button, ``say`` something) and look
    at what Lucien shows them (``screen``, ``text``, ``labels``, ``answer``; ``shows`` asserts
    what a screen must say and offer).
    """

    client: httpx.AsyncClient
    double: TelegramDouble
    runtime: Runtime
    updates: UpdateFactory

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.client.post("/webhook", json=update, headers=headers)

    async def send(self, update: dict[str, Any]) -> httpx.Response:
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return response

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.double.sent_messages(chat_id)]

    # -- acting as a person --------------------------------------------------------------

    async def press(
        self, who: TgUser, data: str | None = None, *, label: str | None = None
    ) -> dict[str, Any]:
        """Press a button — by its callback ``data``, or the one whose text contains
        ``label`` on ``who``'s screen — and return the callback answer it got (every press
        is answered exactly once)."""
        if label is not None:
            data = self.button_data(who, label)
        assert data is not None, "press needs the button's data or its label"
        before = len(self.double.callback_answers)
        await self.send(self.updates.callback(who, data))
        answers = self.double.callback_answers[before:]
        assert len(answers) == 1, f"expected one answer to {data!r}, got {answers}"
        return answers[0]

    async def say(self, who: TgUser, text: str, **kwargs: Any) -> str:
        """Send ``text`` to Lucien in ``who``'s private chat and return the text of the
        screen it leaves (a wizard's next question or its refusal)."""
        await self.send(self.updates.message(who, text, **kwargs))
        return self.text(who)

    # -- reading the screen --------------------------------------------------------------

    def screen(self, who: TgUser | int) -> dict[str, Any]:
        """The bot's latest message in this private chat, as it is now (edits applied).

        It also sees a message a callback was attached to without the bot having sent it
        in this test (the double makes one up for a first button press).
        """
        chat_id = who if isinstance(who, int) else who.id
        message_id = self.double.last_bot_message_id(chat_id)
        assert message_id is not None, f"no bot message in chat {chat_id}"
        stored = self.double.find_message(chat_id, message_id)
        assert stored is not None
        return stored.message

    def text(self, who: TgUser | int) -> str:
        """The text (or caption) of :meth:`screen`."""
        message = self.screen(who)
        return str(message.get("text") or message.get("caption") or "")

    def labels(self, who: TgUser | int | dict[str, Any] | None) -> list[str]:
        """The inline buttons' texts on ``who``'s screen (or on a given message)."""
        message = who if isinstance(who, dict) or who is None else self.screen(who)
        return [b["text"] for b in inline_buttons(message)]

    def shows(self, who: TgUser | int, *lines: str, buttons: Iterable[str] = ()) -> str:
        """Assert that ``who``'s screen says each of ``lines`` and has a button whose text
        contains each of ``buttons``; return its text for whatever else a test reads in it."""
        text = self.text(who)
        for line in lines:
            assert line in text, f"{line!r} not on the screen:\n{text}"
        labels = self.labels(who)
        for label in buttons:
            assert any(label in name for name in labels), f"no button {label!r} in {labels}"
        return text

    def button_data(self, who: TgUser | int, label: str) -> str:
        """The callback data of the button whose text contains ``label`` on the screen."""
        for item in inline_buttons(self.screen(who)):
            if label in item["text"]:
                return str(item["callback_data"])
        raise AssertionError(f"no button {label!r} in {self.labels(who)}")

    def answer(self) -> dict[str, Any]:
        """The latest callback answer."""
        assert self.double.callback_answers, "no callback was answered"
        return self.double.callback_answers[-1]


def inline_buttons(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not message:
        return []
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture
async def app(runtime: Runtime, double: TelegramDouble) -> AsyncIterator[Harness]:
    webhook = create_webhook_app(runtime)
    transport = httpx.ASGITransport(app=webhook)
    async with httpx.AsyncClient(transport=transport, base_url="http://lucien.test") as client:
        yield Harness(client, double, runtime, double.updates)


@pytest.fixture
def ana() -> TgUser:
    return TgUser(id=5001, first_name="Ana", username="ana")


@pytest.fixture
def owner() -> TgUser:
    return TgUser(id=OWNER_ID, first_name="Diana", username="diana")
