"""Shared set-up for the operations tests: a healthy deployment, and table fingerprints."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from lucien.db.models import Base
from lucien.runtime import Runtime
from lucien.telegram.double import TelegramDouble
from lucien.telegram.updates import ALLOWED_UPDATES
from tests.factories import add_job_run, configure

PUBLIC_URL = "https://lucien.test"


async def healthy(runtime: Runtime, double: TelegramDouble) -> None:
    """Channels administered, the webhook where it should be, a recent cron heartbeat."""
    await configure(runtime, double)
    double.webhook.url = PUBLIC_URL + "/webhook"
    double.webhook.allowed_updates = list(ALLOWED_UPDATES)
    await heartbeat(runtime, minutes_ago=2)


async def heartbeat(runtime: Runtime, *, minutes_ago: int, status: str = "ok") -> None:
    await add_job_run(runtime, status, timedelta(minutes=minutes_ago))


async def fingerprint(runtime: Runtime) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows (in primary-key order)."""
    found: dict[str, tuple[int, str]] = {}
    async with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            found[table.name] = (len(rows), digest)
        version = (await session.execute(text("SELECT version_num FROM alembic_version"))).all()
        found["alembic_version"] = (len(version), repr(version))
    return found


async def set_schema_version(runtime: Runtime, version: str) -> None:
    async with runtime.sessions.begin() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})


def failing(report: dict[str, Any]) -> dict[str, str | None]:
    """``name → problem`` for every failing entry of a doctor report."""
    entries = [*report["checks"], *report["smoke"], report["pytest"]]
    return {e["name"]: e.get("problem") for e in entries if not e["ok"]}
