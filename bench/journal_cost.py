"""What the update effects journal (``lucien.journal``) costs an update that succeeds.

The whole webhook path twice, interleaved update by update so machine load hits both
alike: as shipped, and with the journal switched off (no journal in the context: no
read of earlier attempts, Telegram calls and ``once`` effects pass straight through).
Two workloads: ``/start`` (one ``sendMessage``, no journaled effect) and a custodian's
"+30 days" (one journaled effect — its record inserted in the effect's transaction —, a
callback answer, the member's notice and an edit). PostgreSQL runs in a database of its
own, created and dropped here.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert

import lucien.pipeline
from bench.databases import each_backend, sandboxed_runtime
from lucien.access.users import TelegramIdentity, touch_user
from lucien.callbacks import AdminAction, AdminCB, AdminSection
from lucien.db.models import Subscription, utcnow
from lucien.journal import Journal
from lucien.runtime import Runtime
from lucien.settings import load_settings
from lucien.telegram.double import TgUser
from lucien.web.webhook import create_webhook_app

N = 200
OWNER = TgUser(id=1, first_name="Diana")
SHIPPED = lucien.pipeline.journal_for


@contextmanager
def no_journal(update_id: int, sessions: Any = None) -> Iterator[Journal]:
    yield Journal(update_id)  # never made current: everything passes straight through


async def _members(runtime: Runtime, count: int) -> None:
    async with runtime.sessions.begin() as session:
        for i in range(count):
            await touch_user(session, TelegramIdentity(id=20_000 + i, first_name=f"Marta {i}"))
            await session.execute(
                insert(Subscription).values(
                    id=i + 1,
                    user_id=20_000 + i,
                    ends_at=utcnow() + timedelta(days=5),
                    status="active",
                    ritual_stage=4,
                )
            )


async def measure(database_url: str, redis_url: str | None) -> dict[str, list[float]]:
    runtime = sandboxed_runtime(database_url, redis_url, admin_user_ids=str(OWNER.id))
    double = runtime.double
    assert double is not None
    await _members(runtime, N)
    users = [TgUser(id=10_000 + i, first_name=f"Alma {i}") for i in range(10)]
    timings: dict[str, list[float]] = {}
    transport = httpx.ASGITransport(app=create_webhook_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def post(name: str, update: dict[str, Any]) -> None:
            started = time.perf_counter()
            response = await client.post(
                "/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "bench"}
            )
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text

        for i in range(N):
            for label, journal_for in (("journal", SHIPPED), ("no journal", no_journal)):
                lucien.pipeline.journal_for = journal_for  # type: ignore[assignment]
                await post(f"/start, {label}", double.updates.command(users[i % 10], "/start"))
                sub = i + 1 if label == "journal" else (i + N // 2) % N + 1
                data = AdminCB(
                    section=AdminSection.SUBS, action=AdminAction.EXTEND, id=sub, arg="30"
                ).pack()
                await post(f"+30 days, {label}", double.updates.callback(OWNER, data))
    lucien.pipeline.journal_for = SHIPPED  # type: ignore[assignment]
    await runtime.aclose()
    return {name: values[20:] for name, values in timings.items()}


async def pieces(database_url: str) -> dict[str, list[float]]:
    """The journal's own work, timed apart from the noise of the whole path.

    On a transaction the update has open anyway (after its first statement): the insert
    that records one journaled effect, and the read of earlier attempts (redeliveries
    only: a first attempt skips it). And the digest that names one Telegram call.
    """
    from aiogram.methods import SendMessage
    from sqlalchemy import text

    from lucien.db.models import UpdateEffect
    from lucien.telegram.journal import call_name

    runtime = Runtime(load_settings(bot_token="1:BENCH", database_url=database_url))
    method = SendMessage(chat_id=42, text="🎩 Lucien:\n" + "Bienvenida. " * 40)
    timings: dict[str, list[float]] = {}

    def timed(name: str, started: float) -> None:
        timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    base = 10**12 + int(time.time()) * 1000
    for i in range(N):
        async with runtime.sessions.begin() as session:
            await session.execute(text("SELECT 1"))
            started = time.perf_counter()
            await session.execute(
                insert(UpdateEffect).values(
                    update_id=base + i, key="db:bench#1", result={"ok": 1}, created_at=utcnow()
                )
            )
            timed("insert of one journaled effect", started)
            started = time.perf_counter()
            await Journal(base + i).load_in(session)
            timed("read of earlier attempts (redeliveries only)", started)
        started = time.perf_counter()
        call_name(method)
        timed("digest of one Telegram call", started)
    await runtime.aclose()
    return {name: values[20:] for name, values in timings.items()}


def report(backend: str, results: dict[str, list[float]]) -> None:
    for name, values in sorted(results.items()):
        q = statistics.quantiles(values, n=100)
        print(f"journal_cost {backend} {name}: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms")


def main() -> None:
    def run(label: str, url: str, redis: str | None) -> None:
        report(label, asyncio.run(pieces(url)))
        report(label, asyncio.run(measure(url, redis)))

    each_backend("journal_cost", run)


if __name__ == "__main__":
    main()
