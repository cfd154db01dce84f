"""Health checks: can this deployment serve right now?

Each check is named in the answer so a failing deploy says what is wrong: the database is
reachable, its schema is at the Alembic head the code expects, Redis answers when it is
configured. Only the first two decide between 200 and 503 (see ``verdict``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from lucien.db.migrations import expected_head
from lucien.runtime import Runtime

CHECK_TIMEOUT = 5.0
#: Checks whose failure means the deployment cannot serve (503); others only degrade it.
REQUIRED = frozenset({"database", "schema"})


async def _database(runtime: Runtime) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        try:
            current = (
                (await conn.execute(text("SELECT version_num FROM alembic_version")))
                .scalars()
                .all()
            )
        except Exception:
            current = []
    head = expected_head()
    schema = {"ok": head in current, "current": current[0] if current else None, "head": head}
    return {"database": {"ok": True}, "schema": schema}


async def _redis(runtime: Runtime) -> dict[str, Any]:
    client = runtime.redis()
    if client is None:
        return {}
    await client.ping()
    return {"redis": {"ok": True}}


async def run_checks(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {}
    for name, probe in (("database", _database), ("redis", _redis)):
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(probe(runtime), CHECK_TIMEOUT)
        except Exception as exc:  # a health check reports, it never raises
            checks[name] = {"ok": False, "error": type(exc).__name__}
            if name == "database":
                checks["schema"] = {"ok": False, "error": "database unreachable"}
            continue
        for key, value in result.items():
            value.setdefault("ms", round((time.perf_counter() - started) * 1000, 1))
            checks[key] = value
    healthy = all(check["ok"] for check in checks.values())
    return healthy, checks


def verdict(checks: dict[str, Any]) -> tuple[str, int]:
    """The contract: 503 only when the deployment cannot serve.

    The database and its schema are required: without them no update can be handled.
    Redis is not: the ledger, FSM storage and voice memory fall back to the database, so
    with only Redis down the bot still serves and the answer is 200 "degraded" — a load
    balancer or Railway must not take a serving instance out of rotation for it.
    """
    failing = {name for name, check in checks.items() if not check["ok"]}
    if failing & REQUIRED:
        return "unavailable", 503
    if failing:
        return "degraded", 200
    return "ok", 200


async def health_endpoint(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime()
    _, checks = await run_checks(runtime)
    status, code = verdict(checks)
    failing = [name for name, check in checks.items() if not check["ok"]]
    body: dict[str, Any] = {"status": status, "checks": checks}
    if failing:
        body["failing"] = failing
    return JSONResponse(body, status_code=code)
