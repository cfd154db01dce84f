"""Cron throughput: rows handled per second against the Telegram double.

Each step runs on N due rows through the real job code (claims, transactions, the voice,
aiogram's client over the in-process double) twice: with the production limiter (25
Telegram calls per second overall through the shared pacer — Redis with PostgreSQL, the
database with SQLite — and one message per second per chat) and with the limiter opened
wide, which shows the job's own overhead. "of rate" is the share of the allowed 25 calls/s
the run used; "2 runs" splits the same rows between two overlapping runs that share the
pacer (together they must still keep to 25/s, and still use it). An expiry costs 4 calls
(farewell, ban, unban, link revocation), a Free approval 2 (approve, DM), a reminder 1 —
so with the limiter the ceilings are about 6, 12 and 25 rows per second.

    python -m bench.cron_throughput            # N=150; LUCIEN_BENCH_ROWS to change it
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from sqlalchemy import insert

from bench.databases import each_backend
from lucien.access.config import update_config
from lucien.db.models import InviteLink, JoinRequest, Subscription, User, utcnow
from lucien.jobs.pacing import shared_limiter
from lucien.jobs.runner import STEPS, run_cron
from lucien.runtime import Runtime
from lucien.settings import load_settings
from lucien.telegram.double import TelegramDouble
from lucien.telegram.limiter import Limiter

VIP = -1001000000001
FREE = -1001000000002
ROWS = int(os.environ.get("LUCIEN_BENCH_ROWS", "150"))


async def _world(runtime: Runtime, double: TelegramDouble, step: str, n: int) -> None:
    double.reset()
    for chat, title in ((VIP, "El Diván"), (FREE, "El Vestíbulo")):
        double.add_chat(chat, "channel", title=title)
        double.set_bot_admin(chat)
    now = utcnow()
    async with runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=VIP, free_channel_id=FREE, free_wait_minutes=0)
        for i in range(n):
            uid = 100_000 + i
            await session.execute(insert(User).values(id=uid, first_name=f"Alma {i}"))
            if step == "free":
                double.add_join_request(FREE, uid)
                await session.execute(
                    insert(JoinRequest).values(
                        user_id=uid,
                        chat_id=FREE,
                        requested_at=now - timedelta(hours=1),
                        status="pending",
                    )
                )
                continue
            ends = now - timedelta(minutes=5) if step == "expiry" else now + timedelta(hours=20)
            sub_id = (
                await session.execute(
                    insert(Subscription)
                    .values(
                        user_id=uid,
                        started_at=now - timedelta(days=30),
                        ends_at=ends,
                        status="active",
                        ritual_stage=4,
                    )
                    .returning(Subscription.id)
                )
            ).scalar_one()
            if step == "expiry":
                double.set_member(VIP, uid)
                link = double.handle("createChatInviteLink", {"chat_id": VIP, "member_limit": 1})[
                    1
                ]["result"]
                await session.execute(
                    insert(InviteLink).values(
                        user_id=uid,
                        subscription_id=sub_id,
                        chat_id=VIP,
                        link=link["invite_link"],
                        expires_at=now + timedelta(hours=10),
                    )
                )
    double.clear_calls()


async def _truncate(runtime: Runtime) -> None:
    from lucien.db.models import Base

    async with runtime.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


async def measure(url: str, redis_url: str | None) -> list[str]:
    double = TelegramDouble()
    settings = load_settings(
        database_url=url,
        redis_url=redis_url or "",
        bot_token="1:bench",
        cron_time_budget_seconds=3600,
    )
    runtime = Runtime(
        settings, telegram_transport=httpx.ASGITransport(app=double.app), double=double
    )
    lines = []
    steps = dict(STEPS)
    try:
        for step in ("expiry", "free", "reminders"):
            for label, rate, runs in (
                ("limiter 25/s", 25.0, 1),
                ("2 runs 25/s", 25.0, 2),
                ("no limiter", 1e9, 1),
            ):
                await _truncate(runtime)
                await _world(runtime, double, step, ROWS)
                only: tuple[tuple[str, Callable[..., Awaitable[None]]], ...] = (
                    (step, steps[step]),
                )

                def limiter(rate: float = rate) -> Limiter:
                    if rate < 1e6:
                        return shared_limiter(runtime)
                    return Limiter(rate=rate, per_chat_interval=0.0)

                started = time.perf_counter()
                summaries = await asyncio.gather(
                    *(
                        run_cron(runtime, steps=only, limiter=limiter(), dry_run=False)
                        for _ in range(runs)
                    )
                )
                elapsed = time.perf_counter() - started
                done = sum(
                    summary["counts"].get(step, {}).get(k, 0)
                    for summary in summaries
                    for k in ("expired", "approved", "sent")
                )
                assert done == ROWS, summaries
                tg_calls = sum(summary["telegram_calls"] for summary in summaries)
                share = f", {tg_calls / elapsed / 25.0:6.1%} of rate" if rate < 1e6 else ""
                lines.append(
                    f"{step:<9} {label:<12} {done / elapsed:8.1f} rows/s "
                    f"({done} rows, {tg_calls} calls, {elapsed:.1f} s{share})"
                )
    finally:
        await runtime.aclose()
    return lines


async def pacer_share(url: str, redis_url: str | None, calls: int = 250) -> str:
    """The shared pacer on its own: two overlapping runs of five workers each make
    ``calls`` instant Telegram calls between them through their own shared limiters; the
    share of 25 calls/s they get is what pacing (and its Redis or database round trip per
    call) leaves of the rate, whatever the job's own work costs."""
    settings = load_settings(database_url=url, redis_url=redis_url or "", bot_token="1:bench")
    runtime = Runtime(settings)
    await _truncate(runtime)
    left = [calls]

    async def call() -> None:
        return None

    async def worker(limiter: Limiter) -> None:
        while left[0] > 0:
            left[0] -= 1
            await limiter.run(call)

    try:
        limiters = [shared_limiter(runtime), shared_limiter(runtime)]
        started = time.perf_counter()
        await asyncio.gather(*(worker(limiters[n % 2]) for n in range(10)))
        elapsed = time.perf_counter() - started
    finally:
        await runtime.aclose()
    return (
        f"pacer only   {calls / elapsed:8.1f} calls/s ({calls} calls, 2 runs × 5 workers, "
        f"{elapsed:.1f} s, {calls / elapsed / 25.0:6.1%} of rate)"
    )


def report(name: str, lines: list[str]) -> None:
    for line in lines:
        print(f"cron_throughput {name}: {line}")


def main() -> None:
    print(
        f"cron_throughput: {ROWS} rows per step on {platform.machine()} "
        f"({os.cpu_count()} CPUs), Python {platform.python_version()}"
    )
    each_backend(
        "cron_throughput",
        lambda label, url, redis: report(
            label, [asyncio.run(pacer_share(url, redis)), *asyncio.run(measure(url, redis))]
        ),
    )


if __name__ == "__main__":
    main()
