"""Set-up for the data tests: a database filled through the real flows, fresh databases,
and a walker that finds every trace of a person."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.data.rows import fingerprint
from lucien.data.tables import reflect
from lucien.db.engine import create_engine
from lucien.db.models import Base
from lucien.jobs.runner import run_cron
from lucien.runtime import Runtime
from lucien.telegram.double import TgUser
from tests.access_support import button, end_in, subscription_of
from tests.admin_support import cb
from tests.conftest import PG_ADMIN_URL, Harness, _pg_admin
from tests.factories import (
    FREE,
    VIP,
    add_payment,
    configure,
    make_invitation,
    make_package,
    make_plan,
)

ANA = TgUser(id=5001, first_name="Ana", username="ana")
BOBBIE = TgUser(id=770077, first_name="Bobbie", last_name="Quintanilla", username="bobbie_q")
OWNER = TgUser(id=1001, first_name="Diana", username="diana")


async def redeem_and_walk_the_ritual(
    app: Harness, who: TgUser, *, join: bool, plan: str = "Mensual"
) -> str:
    """An invitation redeemed, the three stages, the personal link (used if ``join``)."""
    made = await make_plan(app.runtime, plan)
    invitation = await make_invitation(app.runtime, made.id)
    await app.send(app.updates.command(who, "start", invitation.token))
    for label in ("Continuar", "Acepto"):
        data = button(app.double.last_message(who.id), label)["callback_data"]
        await app.send(app.updates.callback(who, data))
    link = button(app.double.last_message(who.id), "Entrar al Diván")["url"]
    if join:
        await app.send(app.double.member_joins(VIP, who, invite_link=link))
    return str(link)


async def populate(app: Harness) -> None:
    """Every kind of row, made the way Lucien makes them (plans and invitations by the
    services the CLI uses; everything else through updates posted to the webhook)."""
    await configure(app.runtime, app.double)
    await make_package(app.runtime, "Postales")
    await make_package(app.runtime, "Sesión privada", "VIP_PREMIUM", price="49.50")
    # Bobbie: a visitor who tries a wrong code, shows interest, knocks on the Free channel.
    await app.send(app.updates.command(BOBBIE, "start"))
    await app.send(app.updates.command(BOBBIE, "start", "not-a-real-token"))
    await app.send(app.updates.command(BOBBIE, "start"))
    await app.press(BOBBIE, label="Contenido del jardín")
    await app.press(BOBBIE, label="Postales")
    await app.press(BOBBIE, label="Me interesa")
    await app.send(app.double.join_request(FREE, BOBBIE))
    # Ana: a VIP member who walked the ritual and joined.
    await redeem_and_walk_the_ritual(app, ANA, join=True)
    # Bobbie becomes a member too, with an open link and a period ending soon.
    await redeem_and_walk_the_ritual(app, BOBBIE, join=False, plan="Trimestral")
    bobbie_sub = (await subscription_of(app.runtime, BOBBIE.id)).id
    await end_in(app.runtime, bobbie_sub, timedelta(hours=20))
    # Both paid in Stars; Ana's payment was refunded by Bobbie while he was a custodian.
    await add_payment(app.runtime, BOBBIE.id, subscription_id=bobbie_sub, plan_name="Trimestral")
    ana_sub = (await subscription_of(app.runtime, ANA.id)).id
    await add_payment(
        app.runtime, ANA.id, subscription_id=ana_sub, refunded_by=BOBBIE.id, refunded_days=0
    )
    # The owner makes Bobbie a custodian; he opens a wizard; the owner takes it back.
    await app.send(app.updates.command(OWNER, "start"))
    await app.press(OWNER, cb(S.USERS, A.GRANT_OK, id=BOBBIE.id))
    await app.send(app.updates.command(BOBBIE, "start"))
    await app.press(BOBBIE, cb(S.USERS, A.FIND))
    await app.press(OWNER, cb(S.USERS, A.UNGRANT_OK, id=BOBBIE.id))
    await app.press(OWNER, cb(S.USERS, A.BLOCK_OK, id=ANA.id))
    await app.press(OWNER, cb(S.USERS, A.UNBLOCK_OK, id=ANA.id))
    # The cron: reminders, a job run, Free approvals.
    await run_cron(app.runtime)


@asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (no schema) of ``kind``; dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:6]}.db'}"
        return
    name = f"lucien_data_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def prints_of(url: str) -> dict[str, dict[str, Any]]:
    """Count and checksum of every table, read independently of the tool under test."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            prints, problems = await fingerprint(conn, await reflect(conn))
    finally:
        await engine.dispose()
    assert problems == []
    return {name: fp.as_dict() for name, fp in prints.items()}


def _mentions(value: Any, needles: list[str], user_id: int) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return value == user_id
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    lowered = text.lower()
    return any(n.lower() in lowered for n in needles)


def needles(who: TgUser) -> list[str]:
    return [str(who.id), who.first_name, *(x for x in (who.last_name, who.username) if x)]


async def traces_in_database(runtime: Runtime, who: TgUser) -> list[str]:
    """Every (table, column, value) that still names the person."""
    found = []
    async with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if _mentions(value, needles(who), who.id):
                        found.append(f"{table.name}.{column}={value!r}")
    return found


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


async def traces_in_redis(runtime: Runtime, who: TgUser) -> list[str]:
    redis = runtime.redis()
    if redis is None:
        return []
    found = []
    async for raw in redis.scan_iter(match=f"{runtime.settings.redis_prefix}*", count=500):
        key = _text(raw)
        kind = _text(await redis.type(key))
        value: Any = None
        if kind == "hash":
            value = {_text(k): _text(v) for k, v in (await redis.hgetall(key)).items()}
        elif kind == "string":
            value = _text(await redis.get(key))
        if _mentions(key, needles(who), who.id) or _mentions(value, needles(who), who.id):
            found.append(f"{key}={value!r}")
    return found
