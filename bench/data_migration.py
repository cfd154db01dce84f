"""Data migration speed: a 100k-row SQLite database copied into PostgreSQL, verified.

The SQLite file is filled directly (as Lucien stores values there) with 25k people, 25k
subscriptions, 25k audit entries (JSON columns) and 25k variant-memory rows. Then
``migrate_data`` copies it into a fresh PostgreSQL database (validation, batched inserts,
sequence reset and the read-back verification all included), and ``export``/``import``
take a backup of the same data and restore it into another fresh database.

    python -m bench.data_migration          # LUCIEN_BENCH_MIGRATION_ROWS per table (25000)
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from bench.cron_throughput import _pg_admin
from lucien.data.archive import export_archive, import_archive
from lucien.data.migrate import migrate_data
from lucien.db.migrations import upgrade

PER_TABLE = int(os.environ.get("LUCIEN_BENCH_MIGRATION_ROWS", "25000"))
STAMP = "2026-11-01 10:00:00.123456"


def _fill(path: Path, n: int) -> int:
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO plans (id, name, days, price, currency, active, created_at) "
            "VALUES (1, 'Mensual', 30, 19.99, 'USD', 1, ?)",
            (STAMP,),
        )
        db.executemany(
            "INSERT INTO users (id, first_name, last_name, username, language_code, "
            "first_seen_at, last_seen_at, is_blocked, blocked_notice_sent, unreachable) "
            "VALUES (?, ?, ?, ?, 'es', ?, ?, 0, 0, 0)",
            ((100_000 + i, f"Persona {i}", "Apellido", f"p{i}", STAMP, STAMP) for i in range(n)),
        )
        db.executemany(
            "INSERT INTO subscriptions (user_id, plan_id, started_at, ends_at, status, "
            "ritual_stage, removal_attempts, created_at) VALUES (?, 1, ?, ?, 'active', 4, 0, ?)",
            ((100_000 + i, STAMP, STAMP, STAMP) for i in range(n)),
        )
        db.executemany(
            "INSERT INTO audit_log (actor_id, action, target_type, target_id, before, after, "
            "created_at) VALUES (?, 'invitation.redeemed', 'invitation', ?, ?, ?, ?)",
            (
                (
                    100_000 + i,
                    str(i),
                    json.dumps({"subscription_id": i}),
                    json.dumps({"mode": "new", "plan": "Mensual", "days": 30}),
                    STAMP,
                )
                for i in range(n)
            ),
        )
        db.executemany(
            "INSERT INTO voice_history (user_id, message_key, recent, updated_at) "
            "VALUES (?, 'menus.vip', '2,0', ?)",
            ((100_000 + i, STAMP) for i in range(n)),
        )
    return 4 * n + 1


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _fresh(admin: str) -> tuple[str, str]:
    name = f"lucien_bench_{uuid.uuid4().hex[:8]}"
    await _pg_admin(admin, f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
    return name, url


async def measure(source: str, admin: str, tmp: Path) -> list[str]:
    lines = [f"peak RSS before copying: {_rss_mib():.0f} MiB"]
    cpu = time.process_time()
    made = []
    try:
        name, target = await _fresh(admin)
        made.append(name)
        summary = await migrate_data(source, target)
        assert summary.status == "ok", summary.as_dict()
        spent, cpu = time.process_time() - cpu, time.process_time()
        lines.append(
            f"migrate-data sqlite→postgres: {summary.rows} rows in {summary.seconds:.1f} s "
            f"({spent:.1f} s of this process's CPU) = "
            f"{summary.rows / summary.seconds:,.0f} rows/s "
            f"(verified; peak RSS {_rss_mib():.0f} MiB)"
        )
        archive = tmp / "backup.zip"
        started = time.perf_counter()
        manifest = await export_archive(source, archive)
        took = time.perf_counter() - started
        rows = sum(t["rows"] for t in manifest["tables"])
        size = archive.stat().st_size / 2**20
        lines.append(
            f"export (sqlite): {rows} rows in {took:.1f} s = {rows / took:,.0f} rows/s, "
            f"{size:.1f} MiB archive (peak RSS {_rss_mib():.0f} MiB)"
        )
        name, restored = await _fresh(admin)
        made.append(name)
        result = await import_archive(restored, archive)
        lines.append(
            f"import (postgres): {result['rows']} rows in {result['seconds']:.1f} s = "
            f"{result['rows'] / result['seconds']:,.0f} rows/s "
            f"(verified; peak RSS {_rss_mib():.0f} MiB)"
        )
    finally:
        for name in made:
            await _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return lines


def main() -> None:
    print(
        f"data_migration: {PER_TABLE} rows × 4 tables on {platform.machine()} "
        f"({os.cpu_count()} CPUs), Python {platform.python_version()}"
    )
    admin = os.environ.get("LUCIEN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "source.db"
        source = f"sqlite+aiosqlite:///{path}"
        upgrade(source)
        _fill(path, PER_TABLE)
        try:
            lines = asyncio.run(measure(source, admin, Path(tmp)))
        except OSError as exc:  # PostgreSQL not running here
            print(f"data_migration: skipped ({type(exc).__name__}: {exc})")
            return
    for line in lines:
        print(f"data_migration: {line}")


if __name__ == "__main__":
    main()
