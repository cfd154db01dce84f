"""Where a benchmark runs: a temporary SQLite file, then a PostgreSQL database of its own.

The PostgreSQL database is created for the run and dropped after it, so a benchmark never
touches a database someone else uses (``LUCIEN_BENCH_PG_ADMIN`` names the server,
``LUCIEN_BENCH_REDIS`` the Redis).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from lucien.db.migrations import upgrade
from lucien.runtime import Runtime
from lucien.settings import load_settings

#: run(backend label, database URL, Redis URL or None)
Run = Callable[[str, str, str | None], None]


async def _pg_admin(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def each_backend(bench: str, run: Run) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        run("sqlite", url, None)
    admin = os.environ.get("LUCIEN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("LUCIEN_BENCH_REDIS", "redis://127.0.0.1:6379/0")
    name = f"lucien_bench_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_admin(admin, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # servers not running here
        print(f"{bench} postgres+redis: skipped ({type(exc).__name__}: {exc})")
        return
    try:
        url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
        upgrade(url)
        run("postgres+redis", url, redis)
    finally:
        asyncio.run(_pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sandboxed_runtime(database_url: str, redis_url: str | None, **settings: Any) -> Runtime:
    """A runtime whose Telegram is an in-process double (``runtime.double``)."""
    from lucien.telegram.double import TelegramDouble

    double = TelegramDouble()
    values: dict[str, Any] = {
        "bot_token": "1:BENCH",
        "database_url": database_url,
        "redis_url": redis_url or "",
        "webhook_secret": "bench",
        "redis_prefix": f"bench-{uuid.uuid4().hex[:6]}:",
        **settings,
    }
    return Runtime(
        load_settings(**values),
        telegram_transport=httpx.ASGITransport(app=double.app),
        double=double,
    )
