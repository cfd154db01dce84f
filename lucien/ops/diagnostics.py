"""The diagnostics report behind ``/run_tests``, the panel's "Diagnóstico" and ``lucien doctor``.

**Live checks** ask the real dependencies, each with its own time limit: the database and
its latency, the schema against the newest migration, Redis (or the database standing in),
Telegram's ``getWebhookInfo`` and ``getMe``, the bot's rights in each configured channel, the
cron's heartbeat against its schedule, dead letters, updates stuck in processing, N+1
offenders.

**Smoke tests** run the deployed code path end to end — the real pipeline, dispatcher,
handlers and database — on synthetic updates, inside one database transaction that is
rolled back at the end (sessions join it through savepoints), with Redis left out (the
database serves ledger, FSM and voice memory) and Telegram replaced by a private Telegram
double that records the calls and sends nothing. On SQLite that transaction holds the
write lock for the second or so the smoke tests take; concurrent updates wait for it.

The whole report stays under ``TOTAL_BUDGET`` seconds.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from lucien.db.models import ProcessedUpdate, utcnow
from lucien.telegram.updates import missing_updates
from lucien.voice.data import CheckCard

if TYPE_CHECKING:
    from lucien.runtime import Runtime
    from lucien.telegram.double import TelegramDouble

CHECK_TIMEOUT = 4.0
SMOKE_TIMEOUT = 6.0
TOTAL_BUDGET = 18.0
PYTEST_TIMEOUT = 120.0
#: Synthetic ids live far above any real Telegram id.
SYNTHETIC_BASE = 2**50
SMOKE_CHANNEL = -100_999_000_000_001


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def _timed(name: str, probe: Callable[[], Awaitable[CheckCard]], limit: float) -> CheckCard:
    started = time.perf_counter()
    try:
        card = await asyncio.wait_for(probe(), limit)
    except TimeoutError:
        return CheckCard(name, False, _ms(started), "timeout")
    except Exception as exc:
        return CheckCard(name, False, _ms(started), "unreachable", {"error": type(exc).__name__})
    if card.ms is None:
        return CheckCard(card.name, card.ok, _ms(started), card.problem, card.facts)
    return card


# -- live checks -----------------------------------------------------------------------------


async def check_database(runtime: Runtime) -> CheckCard:
    started = time.perf_counter()
    async with runtime.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return CheckCard("database", True, _ms(started))


async def check_schema(runtime: Runtime) -> CheckCard:
    from lucien.db.migrations import expected_head

    async with runtime.engine.connect() as conn:
        try:
            current = list(
                (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars()
            )
        except Exception:
            current = []
    head = expected_head()
    facts = {"current": current[0] if current else None, "head": head}
    return CheckCard("schema", head in current, None, None if head in current else "behind", facts)


async def check_redis(runtime: Runtime) -> CheckCard:
    client = runtime.redis()
    if client is None:
        return CheckCard("redis", True, None, None, {"mode": "database"})
    from lucien.services.dashboard import redis_fault

    started = time.perf_counter()
    fault = await redis_fault(runtime, CHECK_TIMEOUT)
    if fault is not None:
        return CheckCard("redis", False, _ms(started), "down", {"error": fault})
    return CheckCard("redis", True, _ms(started), None, {"mode": "redis"})


async def check_webhook(runtime: Runtime) -> CheckCard:
    from lucien.ops.alerts import stale_after

    info = await runtime.bot.get_webhook_info()
    public = runtime.settings.public_url
    expected = public.rstrip("/") + "/webhook" if public else None
    facts: dict[str, Any] = {
        "url": info.url or None,
        "expected": expected,
        "pending": info.pending_update_count,
    }
    problem = None
    if info.last_error_date is not None:
        age = int((utcnow() - info.last_error_date).total_seconds() // 60)
        facts["last_error_minutes"] = age
        facts["last_error"] = (info.last_error_message or "")[:120]
        if info.last_error_date > utcnow() - 2 * stale_after(runtime):
            problem = "last_error"
    if expected is None:
        if runtime.settings.lucien_env == "production":
            problem = "no_public_url"
    elif info.url != expected:
        problem = "url_mismatch"
    # A version that handles a new update type needs the webhook registered again
    # (``lucien set-webhook``); until then Telegram never sends those updates.
    missing = missing_updates(info.allowed_updates) if info.url else []
    if missing:
        facts["missing_updates"] = missing
        problem = problem or "updates_missing"
    return CheckCard("webhook", problem is None, None, problem, facts)


async def check_identity(runtime: Runtime) -> CheckCard:
    me = await runtime.bot.get_me()
    return CheckCard("identity", True, None, None, {"username": me.username})


async def check_channels(runtime: Runtime) -> list[CheckCard]:
    from lucien.access.config import get_config
    from lucien.services.channels import check_rights

    async with runtime.sessions() as session:
        config = await get_config(session)
        targets = {"vip": config.vip_channel_id, "free": config.free_channel_id}
    cards = []
    for kind, chat_id in targets.items():
        name = f"channel_{kind}"
        started = time.perf_counter()
        if chat_id is None:
            cards.append(CheckCard(name, False, None, "missing"))
            continue
        try:
            card = await asyncio.wait_for(
                check_rights(runtime.bot, kind, int(chat_id)),  # type: ignore[arg-type]
                CHECK_TIMEOUT,
            )
        except Exception as exc:
            cards.append(
                CheckCard(name, False, _ms(started), "unreachable", {"error": type(exc).__name__})
            )
            continue
        if not card.is_admin:
            cards.append(CheckCard(name, False, _ms(started), "not_admin"))
        elif card.missing:
            cards.append(
                CheckCard(name, False, _ms(started), "rights", {"missing": list(card.missing)})
            )
        else:
            cards.append(CheckCard(name, True, _ms(started)))
    return cards


async def check_cron(runtime: Runtime) -> CheckCard:
    from lucien.ops.alerts import last_heartbeat, stale_after

    run = await last_heartbeat(runtime)
    facts: dict[str, Any] = {"every_minutes": runtime.settings.cron_interval_minutes}
    if run is None:
        return CheckCard("cron", False, None, "never", facts)
    facts["minutes"] = int((utcnow() - run.started_at).total_seconds() // 60)
    facts["status"] = run.status
    if run.started_at < utcnow() - stale_after(runtime):
        return CheckCard("cron", False, None, "stale", facts)
    if run.status == "failed":
        return CheckCard("cron", False, None, "failed", facts)
    return CheckCard("cron", True, None, None, facts)


async def check_dead_letters(runtime: Runtime) -> CheckCard:
    """Updates the poison guard set aside and nobody replayed yet."""
    from lucien.db.models import DeadLetter

    async with runtime.sessions() as session:
        count = int(
            await session.scalar(
                select(func.count()).select_from(DeadLetter).where(DeadLetter.replayed_at.is_(None))
            )
            or 0
        )
    return CheckCard(
        "dead_letters", count == 0, None, "present" if count else None, {"count": count}
    )


async def check_stuck_updates(runtime: Runtime) -> CheckCard:
    lease = timedelta(seconds=runtime.settings.update_lease_seconds)
    async with runtime.sessions() as session:
        count = int(
            await session.scalar(
                select(func.count())
                .select_from(ProcessedUpdate)
                .where(
                    ProcessedUpdate.status == "processing",
                    ProcessedUpdate.claimed_at < utcnow() - lease,
                )
            )
            or 0
        )
    return CheckCard(
        "stuck_updates", count == 0, None, "stuck" if count else None, {"count": count}
    )


async def check_n_plus_one(runtime: Runtime) -> CheckCard:
    from lucien.ops.profiling import offenders

    found = await offenders(runtime)
    facts: dict[str, Any] = {"threshold": runtime.settings.sql_alarm_statements}
    if found:
        facts["offenders"] = found
    return CheckCard("n_plus_one", not found, None, "offenders" if found else None, facts)


async def _channel_cards(runtime: Runtime) -> list[CheckCard]:
    try:
        return await asyncio.wait_for(check_channels(runtime), 2 * CHECK_TIMEOUT)
    except Exception as exc:
        problem = "timeout" if isinstance(exc, TimeoutError) else "unreachable"
        return [
            CheckCard(f"channel_{kind}", False, None, problem, {"error": type(exc).__name__})
            for kind in ("vip", "free")
        ]


async def live_checks(runtime: Runtime) -> list[CheckCard]:
    """The database first (most checks need it); then everything else at once, so a slow
    Telegram or Redis costs its own time limit, not the sum of them all."""
    database = await _timed("database", lambda: check_database(runtime), CHECK_TIMEOUT)
    probes: list[Awaitable[CheckCard]] = [
        _timed("redis", lambda: check_redis(runtime), CHECK_TIMEOUT + 1),
        _timed("webhook", lambda: check_webhook(runtime), CHECK_TIMEOUT),
        _timed("identity", lambda: check_identity(runtime), CHECK_TIMEOUT),
    ]
    cards = [database]
    if database.ok:
        probes += [
            _timed("schema", lambda: check_schema(runtime), CHECK_TIMEOUT),
            _timed("cron", lambda: check_cron(runtime), CHECK_TIMEOUT),
            _timed("dead_letters", lambda: check_dead_letters(runtime), CHECK_TIMEOUT),
            _timed("stuck_updates", lambda: check_stuck_updates(runtime), CHECK_TIMEOUT),
            _timed("n_plus_one", lambda: check_n_plus_one(runtime), CHECK_TIMEOUT),
        ]
        singles, channels = await asyncio.gather(asyncio.gather(*probes), _channel_cards(runtime))
        cards += [*singles, *channels]
    else:
        cards += await asyncio.gather(*probes)
        skipped = ("schema", "channel_vip", "channel_free", "cron", "dead_letters", "stuck_updates")
        cards += [CheckCard(name, False, None, "no_database") for name in skipped]
    return _ordered(cards)


ORDER = (
    "database",
    "schema",
    "redis",
    "webhook",
    "identity",
    "channel_vip",
    "channel_free",
    "cron",
    "dead_letters",
    "stuck_updates",
    "n_plus_one",
)


def _ordered(cards: list[CheckCard]) -> list[CheckCard]:
    return sorted(cards, key=lambda c: ORDER.index(c.name) if c.name in ORDER else len(ORDER))


# -- smoke tests -----------------------------------------------------------------------------


class SmokeWorld:
    """A runtime whose every session joins one transaction that is rolled back, with a
    private Telegram double and no Redis."""

    def __init__(self, runtime: Runtime) -> None:
        self.base = runtime
        self.runtime: Runtime | None = None
        self.double: TelegramDouble | None = None
        self._conn: Any = None
        self._trans: Any = None

    async def __aenter__(self) -> SmokeWorld:
        import httpx
        from sqlalchemy.ext.asyncio import async_sessionmaker

        from lucien.runtime import Runtime
        from lucien.telegram.double import TelegramDouble

        settings = self.base.settings.model_copy(update={"redis_url": None})
        self.double = TelegramDouble()
        runtime = Runtime(
            settings,
            telegram_transport=httpx.ASGITransport(app=self.double.app),
            double=self.double,
        )
        self._conn = await runtime.engine.connect()
        self._trans = await self._conn.begin()
        runtime.sessions = async_sessionmaker(
            bind=self._conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.runtime = runtime
        return self

    async def __aexit__(self, *_exc: object) -> None:
        try:
            if self._trans is not None:
                await self._trans.rollback()
        finally:
            if self._conn is not None:
                await self._conn.close()
            if self.runtime is not None:
                await self.runtime.aclose()


def _synthetic_id() -> int:
    return SYNTHETIC_BASE + secrets.randbelow(2**40)


async def _feed(world: SmokeWorld, payload: dict[str, Any]) -> str:
    from lucien import pipeline

    assert world.runtime is not None
    update = pipeline.parse_update(world.runtime, payload)
    outcome = await pipeline.process_update(world.runtime, update)
    return outcome.value


def _private_message(user_id: int, text_: str, update_id: int) -> dict[str, Any]:
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text_.split()[0])}]
        if text_.startswith("/")
        else []
    )
    person = {"id": user_id, "is_bot": False, "first_name": "Smoke"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "text": text_,
            "entities": entities,
            "chat": {"id": user_id, "type": "private", "first_name": "Smoke"},
            "from": person,
        },
    }


def _press(user_id: int, message: dict[str, Any], data: str, update_id: int) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Smoke"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": person,
            "chat_instance": "smoke",
            "data": data,
            "message": {
                "message_id": message["message_id"],
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Smoke"},
                "text": message.get("text") or "",
                "from": {"id": 777000001, "is_bot": True, "first_name": "Lucien"},
            },
        },
    }


def _ritual_button(message: dict[str, Any] | None) -> str | None:
    rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard") or []
    for row in rows:
        for button in row:
            data = button.get("callback_data") or ""
            if data.startswith("r:"):
                return str(data)
    return None


class SmokeFailed(Exception):
    pass


async def smoke_start(world: SmokeWorld) -> dict[str, Any]:
    assert world.double is not None
    visitor = _synthetic_id()
    outcome = await _feed(world, _private_message(visitor, "/start", _synthetic_id()))
    sent = world.double.sent_messages(visitor)
    if outcome != "handled" or not sent:
        raise SmokeFailed(f"outcome {outcome}, {len(sent)} messages")
    return {"messages": len(sent)}


async def smoke_redeem(world: SmokeWorld) -> dict[str, Any]:
    from lucien.access.config import update_config
    from lucien.access.invitations import issue
    from lucien.access.plans import create_plan

    assert world.runtime is not None and world.double is not None
    world.double.add_chat(SMOKE_CHANNEL, "channel", title="Smoke")
    world.double.set_bot_admin(SMOKE_CHANNEL)
    async with world.runtime.sessions.begin() as session:
        await update_config(session, vip_channel_id=SMOKE_CHANNEL, dry_run=False)
        plan = await create_plan(session, f"smoke-{secrets.token_hex(4)}", 30, "1.00", "USD")
        invitation = (await issue(session, plan.id))[0]
    member = _synthetic_id()
    outcome = await _feed(
        world, _private_message(member, f"/start {invitation.token}", _synthetic_id())
    )
    if outcome != "handled":
        raise SmokeFailed(f"redemption outcome {outcome}")
    for _stage in range(2):
        message = world.double.last_message(member)
        data = _ritual_button(message)
        if data is None:
            raise SmokeFailed("no ritual button")
        outcome = await _feed(world, _press(member, message or {}, data, _synthetic_id()))
        if outcome != "handled":
            raise SmokeFailed(f"ritual outcome {outcome}")
    links = [c for c in world.double.calls_to("createChatInviteLink") if c.ok]
    if not links:
        raise SmokeFailed("no personal invite link")
    return {"messages": len(world.double.sent_messages(member)), "links": len(links)}


async def smoke_cron(world: SmokeWorld) -> dict[str, Any]:
    from lucien.jobs.runner import run_cron

    assert world.runtime is not None and world.double is not None
    before = len(world.double.calls)
    summary = await run_cron(world.runtime, dry_run=True, budget_seconds=SMOKE_TIMEOUT - 1)
    if summary["status"] != "ok":
        raise SmokeFailed(f"status {summary['status']}: {summary['errors'][:2]}")
    sent = [c for c in world.double.calls[before:] if c.method not in ("getMe",)]
    if sent:
        raise SmokeFailed(f"a dry run called Telegram: {sent[0].method}")
    return {"planned": len(summary.get("planned") or [])}


SMOKES: tuple[tuple[str, Callable[[SmokeWorld], Awaitable[dict[str, Any]]]], ...] = (
    ("smoke_start", smoke_start),
    ("smoke_redeem", smoke_redeem),
    ("smoke_cron", smoke_cron),
)


async def smoke_tests(runtime: Runtime) -> list[CheckCard]:
    """Each smoke test in its own rolled-back world; pass or fail with its duration."""
    from lucien.ops.observe import Observation, instrument_bot, instrument_engine, observing

    cards = []
    for name, smoke in SMOKES:
        started = time.perf_counter()
        try:
            async with SmokeWorld(runtime) as world:
                assert world.runtime is not None
                instrument_engine(world.runtime.engine)
                instrument_bot(world.runtime.bot)
                obs = Observation(kind="smoke")
                with observing(obs):
                    facts = await asyncio.wait_for(smoke(world), SMOKE_TIMEOUT)
                facts.update(sql=obs.sql, telegram=len(obs.telegram))
            cards.append(CheckCard(name, True, _ms(started), None, facts))
        except SmokeFailed as exc:
            cards.append(CheckCard(name, False, _ms(started), "failed", {"detail": str(exc)[:160]}))
        except TimeoutError:
            cards.append(CheckCard(name, False, _ms(started), "timeout"))
        except Exception as exc:
            cards.append(
                CheckCard(
                    name,
                    False,
                    _ms(started),
                    "failed",
                    {"error": type(exc).__name__, "detail": str(exc)[:160]},
                )
            )
    return cards


# -- pytest (development deployments only) ---------------------------------------------------


def tests_dir() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    found = root / "tests"
    return found if (found / "conftest.py").is_file() else None


def pytest_card(runtime: Runtime, run: bool = False, args: list[str] | None = None) -> CheckCard:
    if runtime.settings.lucien_env == "production":
        return CheckCard("pytest", True, None, "production")
    where = tests_dir()
    try:
        import pytest  # noqa: F401
    except ImportError:
        where = None
    if where is None:
        return CheckCard("pytest", True, None, "not_installed")
    if not run:
        return CheckCard("pytest", True, None, "available")
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(args or [])],
            cwd=where.parent,
            capture_output=True,
            text=True,
            timeout=PYTEST_TIMEOUT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:
        return CheckCard("pytest", False, _ms(started), "timeout")
    lines = [line for line in done.stdout.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return CheckCard(
        "pytest",
        done.returncode == 0,
        _ms(started),
        None if done.returncode == 0 else "failed",
        {"summary": last[-160:]},
    )


# -- the report ------------------------------------------------------------------------------


async def run_report(
    runtime: Runtime,
    *,
    smoke: bool = True,
    pytest_run: bool = False,
    pytest_args: list[str] | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    checks = await live_checks(runtime)
    smokes: list[CheckCard] = []
    if smoke:
        if checks[0].ok:
            remaining = max(1.0, TOTAL_BUDGET - (time.perf_counter() - started))
            try:
                smokes = await asyncio.wait_for(smoke_tests(runtime), remaining)
            except TimeoutError:
                smokes = [CheckCard("smoke_start", False, None, "timeout")]
        else:
            smokes = [CheckCard(name, False, None, "no_database") for name, _ in SMOKES]
    extra = [pytest_card(runtime, pytest_run, pytest_args)]
    cards = [*checks, *smokes]
    return {
        "ok": all(c.ok for c in [*cards, *extra]),
        "duration_ms": _ms(started),
        "checks": checks,
        "smoke": smokes,
        "pytest": extra[0],
    }


def report_json(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": report["ok"],
        "duration_ms": report["duration_ms"],
        "checks": [c.as_json() for c in report["checks"]],
        "smoke": [c.as_json() for c in report["smoke"]],
        "pytest": report["pytest"].as_json(),
        "failing": [
            c.name for c in [*report["checks"], *report["smoke"], report["pytest"]] if not c.ok
        ],
    }


# -- the cron rehearsal (the panel's "Ensayo de la ronda") ------------------------------------


async def rehearsal(runtime: Runtime) -> tuple[Any, list[Any]]:
    """A dry run of the real cron (it reads, never writes or sends), as the voice's cards."""
    from datetime import datetime

    from lucien.ops.seam import observed_cron
    from lucien.voice.data import JobRunCard, PlannedAction, UserCard

    summary = await observed_cron(runtime, dry_run=True)
    status = summary["status"] if summary["status"] in ("ok", "partial", "failed") else "failed"
    run = JobRunCard(
        job="cron",
        started_at=datetime.fromisoformat(summary["started_at"]),
        finished_at=utcnow(),
        status=status,  # type: ignore[arg-type]
        dry_run=True,
        counts=summary.get("totals") or {},
        errors=int(summary.get("error_count") or 0),
    )
    actions = [
        PlannedAction(
            kind=p["kind"],
            user=UserCard(id=int(p["user_id"]), first_name=str(p.get("name") or "")),
            when=datetime.fromisoformat(p["when"]) if p.get("when") else None,
        )
        for p in summary.get("planned") or []
    ]
    return run, actions
