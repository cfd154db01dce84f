"""Property: failing any one Telegram call of a flow changes nothing in the end.

For each flow, a fault-free run records the final database (normalised) and what each
person saw. Then, for every Telegram call ``i`` of the flow, the flow runs again from an
empty world with call ``i`` failing once — a 502 from a proxy or a dropped connection,
alternately — each update delivered again until the webhook answers 200, as Telegram
does. The final database and what each person saw must equal the fault-free run: the one
lost message re-sent once, nothing else repeated.
"""

from __future__ import annotations

import pprint
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from lucien.callbacks import AdminAction as A
from lucien.callbacks import AdminSection as S
from lucien.callbacks import FreeAction, FreeCB, PayCB, RitualCB
from lucien.db.models import Base, Invitation, Plan, utcnow
from lucien.runtime import Runtime
from lucien.settings import Settings
from lucien.telegram.double import TelegramDouble, TgUser
from lucien.telegram.double.server import Fault
from lucien.web.webhook import create_webhook_app
from tests.admin_support import cb
from tests.conftest import OWNER_ID, SECRET, Backend, Harness, _clear_redis
from tests.factories import (
    FREE,
    VIP,
    add_payment,
    add_subscription,
    add_user,
    configure,
    make_invitation,
    make_plan,
)

OWNER = TgUser(id=OWNER_ID, first_name="Diana", username="diana")
ANA = TgUser(id=5001, first_name="Ana", username="ana")
MEMBER = 6001

#: bookkeeping of the delivery itself, not of what the flow did; the ``ops_*`` tables
#: (counters, profiles, alerts) measure each attempt and the process: an attempt cut short
#: sends fewer statements, so a long flow's N+1 alarm may fire in one run and not the other
SKIPPED_TABLES = {"processed_updates", "update_effects", "job_runs", "telegram_pacing"}
SKIPPED_PREFIX = "ops_"
LINK = re.compile(r"https://t\.me/\+[A-Za-z0-9_-]+")
CLOCK = re.compile(r"\b\d{1,2}:\d\d\b")  # "hasta el lunes …, 12:03": a run may cross a minute
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z)?")

Step = Callable[[Harness], dict[str, Any]]


@dataclass
class Flow:
    setup: Callable[[Harness], Awaitable[None]]
    steps: list[Step] = field(default_factory=list)


class NthCall(Fault):
    """Fail the ``n``-th Telegram call (0-based) of the flow, once."""

    def __init__(self, n: int) -> None:
        super().__init__("*", network="bad_gateway" if n % 2 == 0 else "disconnect")
        self.n = n
        self.seen = 0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        self.seen += 1
        return self.seen == self.n + 1


# -- the flows --------------------------------------------------------------------------


def command(who: TgUser, name: str, args: str | None = None) -> Step:
    return lambda app: app.updates.command(who, name, args)


def text(who: TgUser, value: str) -> Step:
    return lambda app: app.updates.message(who, value)


def press(who: TgUser, data: str | Callable[[Harness], str]) -> Step:
    return lambda app: app.updates.callback(who, data if isinstance(data, str) else data(app))


async def _invitation(app: Harness) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime)
    await make_invitation(app.runtime, plan.id)


_TOKENS: dict[int, str] = {}  # the invitation of each world's redemption, by double


def redeem_step(app: Harness) -> dict[str, Any]:
    return app.updates.command(ANA, "start", _TOKENS[id(app.double)])


async def _redeem_setup(app: Harness) -> None:
    await _invitation(app)
    async with app.runtime.sessions() as session:
        _TOKENS[id(app.double)] = str(await session.scalar(select(Invitation.token)))


async def _member(app: Harness) -> None:
    await add_user(app.runtime, MEMBER, "Marta")
    await add_subscription(app.runtime, MEMBER, ends_in=timedelta(days=5))


async def _plan(app: Harness) -> None:
    await make_plan(app.runtime, "Mensual", 30)


async def _admin_only(app: Harness) -> None:
    await configure(app.runtime, app.double)


async def _join_requests(app: Harness) -> None:
    await configure(app.runtime, app.double, free_wait_minutes=60)
    for k in (1, 2):
        visitor = TgUser(id=7000 + k, first_name=f"Visitante {k}")
        await app.send(app.double.join_request(FREE, visitor))


async def _person(app: Harness) -> None:
    await add_user(app.runtime, ANA.id, ANA.first_name, ANA.username)


async def _paid_member(app: Harness, left: timedelta = timedelta(days=45)) -> None:
    """A member who paid 30 days in Stars: a refund shortens the period (or, with fewer
    days ``left``, ends it and removes them)."""
    await configure(app.runtime, app.double)
    await add_user(app.runtime, MEMBER, "Marta")
    sub_id = await add_subscription(app.runtime, MEMBER, ends_in=left)
    app.double.set_member(VIP, TgUser(id=MEMBER, first_name="Marta"))
    await add_payment(
        app.runtime, MEMBER, subscription_id=sub_id, double=app.double, charge_id="stxc-flow"
    )


async def _visitor(app: Harness) -> None:
    await configure(app.runtime, app.double)


async def _stars_plan(app: Harness) -> None:
    await configure(app.runtime, app.double)
    plan = await make_plan(app.runtime, "Mensual", 30)
    async with app.runtime.sessions.begin() as session:
        await session.execute(update(Plan).where(Plan.id == plan.id).values(price_stars=250))


def checkout_step(app: Harness) -> dict[str, Any]:
    """Ana presses Telegram's "Pay" on the invoice Lucien sent her."""
    return app.double.checkout(ANA, app.double.last_message(ANA.id) or {})


def payment_step(app: Harness) -> dict[str, Any]:
    """Telegram charges the Stars (a fixed charge id: runs are compared row by row)."""
    paid = app.double.complete_checkout(list(app.double.stars.checkouts)[-1], charge_id="stxc-1")
    assert paid is not None, "the checkout was refused"
    return paid


FLOWS: dict[str, Flow] = {
    "redeem": Flow(_redeem_setup, [redeem_step]),
    "ritual": Flow(
        _redeem_setup,
        [
            redeem_step,
            press(ANA, RitualCB(stage=1, sub=1).pack()),
            press(ANA, RitualCB(stage=2, sub=1).pack()),
        ],
    ),
    "extend": Flow(_member, [press(OWNER, cb(S.SUBS, A.EXTEND, id=1, arg="30"))]),
    "issue": Flow(
        _plan,
        [
            press(OWNER, cb(S.TOKENS, A.ISSUE_PLAN, id=1)),
            text(OWNER, "50"),
            text(OWNER, "30"),
        ],
    ),
    "plan_toggle": Flow(_plan, [press(OWNER, cb(S.PLANS, A.TOGGLE, id=1, arg="off"))]),
    "plan_edit": Flow(
        _plan,
        [press(OWNER, cb(S.PLANS, A.EDIT, id=1, arg="price")), text(OWNER, "24.50")],
    ),
    "toggles": Flow(
        _admin_only,
        [press(OWNER, cb(S.CONFIG, A.DRY_RUN)), press(OWNER, cb(S.CONFIG, A.NOTIFY_JOINS))],
    ),
    "approve_all": Flow(_join_requests, [press(OWNER, cb(S.FREE, A.APPROVE_ALL_OK))]),
    "broadcast": Flow(
        _admin_only,
        [
            press(OWNER, cb(S.BROADCAST, A.TARGET, arg="vip")),
            text(OWNER, "Esta noche, en el Diván: una sorpresa"),
            press(OWNER, cb(S.BROADCAST, A.SEND, arg="vip")),
        ],
    ),
    "grant_admin": Flow(_person, [press(OWNER, cb(S.USERS, A.GRANT_OK, id=ANA.id))]),
    "block": Flow(_person, [press(OWNER, cb(S.USERS, A.BLOCK_OK, id=ANA.id))]),
    "refund": Flow(_paid_member, [press(OWNER, cb(S.PAYMENTS, A.REFUND_OK, id=1))]),
    "refund_ends": Flow(
        lambda app: _paid_member(app, timedelta(days=10)),
        [press(OWNER, cb(S.PAYMENTS, A.REFUND_OK, id=1))],
    ),
    "interest": Flow(
        _visitor,
        [
            command(ANA, "start"),
            press(ANA, FreeCB(action=FreeAction.CIRCLE).pack()),
            press(ANA, FreeCB(action=FreeAction.CIRCLE_INTEREST).pack()),
        ],
    ),
    "pay": Flow(_stars_plan, [press(ANA, PayCB(plan=1).pack()), checkout_step, payment_step]),
}


# -- one run from an empty world ----------------------------------------------------------


async def _empty(runtime: Runtime, backend: Backend) -> None:
    """Every table emptied and every id sequence back to 1, in one round trip.

    (``TRUNCATE`` of every table costs more than a second on PostgreSQL; these tables
    hold a handful of rows.)
    """
    script = "".join(f"DELETE FROM {t.name};" for t in reversed(Base.metadata.sorted_tables))
    async with runtime.engine.begin() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None  # a pooled connection that is open always has one
        if backend.name == "postgres":
            await driver.execute(
                script + "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S';"
            )
        else:  # integer primary keys start again from the largest id left: none
            await driver.executescript(script)


@asynccontextmanager
async def world(backend: Backend, settings: Settings, prefix: str) -> AsyncIterator[Harness]:
    double = TelegramDouble()
    runtime = Runtime(
        settings, telegram_transport=httpx.ASGITransport(app=double.app), double=double
    )
    await _empty(runtime, backend)
    if backend.redis_url:
        await _clear_redis(backend.redis_url, prefix)
    transport = httpx.ASGITransport(app=create_webhook_app(runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://lucien.test") as client:
            yield Harness(client, double, runtime, double.updates)
    finally:
        await runtime.aclose()


@dataclass
class Outcome:
    state: dict[str, Any]
    calls: int
    deliveries: list[list[int]]


async def run(
    backend: Backend, settings: Settings, prefix: str, flow: Flow, fault: int | None
) -> Outcome:
    async with world(backend, settings, prefix) as app:
        started = utcnow()
        await flow.setup(app)
        app.double.clear_calls()
        if fault is not None:
            app.double.faults.append(NthCall(fault))
        deliveries = []
        for step in flow.steps:
            update = step(app)
            statuses = []
            for _ in range(5):
                response = await app.client.post(
                    "/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                statuses.append(response.status_code)
                if response.status_code == 200:
                    break
            deliveries.append(statuses)
            assert statuses[-1] == 200, f"never settled: {statuses}"
        return Outcome(await snapshot(app, started), len(app.double.calls), deliveries)


# -- what the world looks like, without what differs between runs by nature ---------------


class Normaliser:
    """Times become hours from the run's start; random tokens and links become ordinals."""

    def __init__(self, started: datetime, tokens: list[str]) -> None:
        self.started = started
        self.names: dict[str, str] = {t: f"<token{n}>" for n, t in enumerate(tokens)}
        self.tokens = re.compile("|".join(map(re.escape, tokens))) if tokens else None

    def _hours(self, value: datetime) -> str:
        return f"t{round((value - self.started).total_seconds() / 3600):+d}h"

    def text(self, value: str) -> str:
        if self.tokens is not None:
            value = self.tokens.sub(lambda m: self.names[m.group(0)], value)
        value = LINK.sub(
            lambda m: self.names.setdefault(m.group(0), f"<link{len(self.names)}>"), value
        )
        value = ISO.sub(
            lambda m: self._hours(datetime.fromisoformat(m.group(0).replace("Z", "+00:00"))), value
        )
        return CLOCK.sub("hh:mm", value)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return self._hours(value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


async def snapshot(app: Harness, started: datetime) -> dict[str, Any]:
    async with app.runtime.sessions() as session:
        tokens = list(
            (await session.scalars(select(Invitation.token).order_by(Invitation.id))).all()
        )
        norm = Normaliser(started, tokens)
        tables: dict[str, Any] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES or table.name.startswith(SKIPPED_PREFIX):
                continue
            rows = (
                await session.execute(select(table).order_by(*table.primary_key.columns))
            ).mappings()
            tables[table.name] = [norm(dict(row)) for row in rows]
    seen: dict[int, list[Any]] = {}
    for chat_id in sorted(app.double.chats):
        chat = app.double.chats[chat_id]
        shown = [
            norm(
                {
                    "text": stored.message.get("text") or stored.message.get("caption"),
                    "buttons": stored.message.get("reply_markup"),
                    "copied_from": stored.copied_from,
                }
            )
            for _, stored in sorted(chat.messages.items())
            if not stored.deleted and (stored.message.get("from") or {}).get("is_bot")
        ]
        if shown:
            seen[chat_id] = shown
    answers = [
        norm({k: v for k, v in a.items() if v is not None}) for a in app.double.callback_answers
    ]
    return {"db": tables, "seen": seen, "callback_answers": answers}


def _diff(expected: Any, got: Any) -> str:
    import difflib

    lines = difflib.unified_diff(
        pprint.pformat(expected, width=110).splitlines(),
        pprint.pformat(got, width=110).splitlines(),
        "fault-free",
        "with the fault",
        lineterm="",
        n=2,
    )
    return "\n".join(list(lines)[:80])


#: Flows that are not (yet) equal to a fault-free run, and why.
NOT_EQUAL: dict[str, str] = {
    "refund_ends": "the removal on demand (jobs.on_demand.remove_subscription, as the panel's "
    "'Retirar') answers 200 on a Telegram failure and leaves the ended period to the next "
    "cron run, and sends the farewell best effort as the cron does; the refund, the period's "
    "end, the payment's mark and the member's refund note are equal",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=NOT_EQUAL[n], strict=True))
        if n in NOT_EQUAL
        else n
        for n in sorted(FLOWS)
    ],
)
async def test_one_failed_call_changes_nothing_in_the_end(
    name: str, backend: Backend, settings: Settings, redis_prefix: str
) -> None:
    flow = FLOWS[name]
    reference = await run(backend, settings, redis_prefix, flow, None)
    assert reference.calls > 0 and all(d == [200] for d in reference.deliveries)
    problems = []
    for i in range(reference.calls):
        faulty = await run(backend, settings, redis_prefix, flow, i)
        if faulty.state != reference.state:
            problems.append(
                f"call {i} failing ({faulty.deliveries}):\n{_diff(reference.state, faulty.state)}"
            )
    try:
        assert not problems, f"{name}: " + "\n\n".join(problems)
    finally:
        if backend.redis_url:
            await _clear_redis(backend.redis_url, redis_prefix)
