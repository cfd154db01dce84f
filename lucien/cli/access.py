"""Command-line tools for the access lifecycle (the same services as the admin panel).

    lucien plans add --name NAME --days D [--price P] [--currency C] [--stars S]
    lucien plans list
    lucien invitations issue --plan NAME --count N [--redeem-days R] [--csv]
    lucien cron [--dry-run]

Output is for the operator (and for scripts): plain lines or CSV, one invitation per line.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from lucien.boot import settings_or_exit

Command = Callable[[argparse.Namespace], int]


def _run(make: Callable[[Any, argparse.Namespace], Awaitable[int]]) -> Command:
    """Run ``make(runtime, args)`` on a fresh runtime that is closed afterwards."""

    def command(args: argparse.Namespace) -> int:
        from lucien.runtime import Runtime

        settings = settings_or_exit()

        async def main() -> int:
            runtime = Runtime(settings)
            try:
                return await make(runtime, args)
            finally:
                await runtime.aclose()

        return asyncio.run(main())

    return command


def _fail(area: str, message: str) -> int:
    print(f"lucien: {area}: {message}", file=sys.stderr)
    return 2


async def _plans_add(runtime: Any, args: argparse.Namespace) -> int:
    from lucien.access.plans import PlanError, create_plan

    try:
        async with runtime.sessions.begin() as session:
            plan = await create_plan(
                session, args.name, args.days, args.price, args.currency, stars=args.stars
            )
    except PlanError as exc:
        return _fail("plans", str(exc))
    print(_plan_line(plan))
    return 0


def _plan_line(p: Any) -> str:
    """One plan as a tab-separated line; its Stars price only when it is sold in the bot."""
    state = "active" if p.active else "inactive"
    stars = f"\t{p.price_stars} stars" if p.price_stars is not None else ""
    return f"{p.id}\t{p.name}\t{p.days} days\t{p.price} {p.currency}{stars}\t{state}"


async def _plans_list(runtime: Any, args: argparse.Namespace) -> int:
    from lucien.access.plans import list_plans

    async with runtime.sessions.begin() as session:
        plans = await list_plans(session)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": p.id,
                        "name": p.name,
                        "days": p.days,
                        "price": str(p.price),
                        "currency": p.currency,
                        "price_stars": p.price_stars,
                        "active": p.active,
                    }
                    for p in plans
                ],
                ensure_ascii=False,
            )
        )
        return 0
    for p in plans:
        print(_plan_line(p))
    return 0


async def _invitations_issue(runtime: Any, args: argparse.Namespace) -> int:
    from lucien.access.botinfo import bot_username, deep_link
    from lucien.access.invitations import InvitationError, issue
    from lucien.access.plans import get_plan_by_name

    # The username first: a failure here must not leave invitations nobody saw.
    username = await bot_username(runtime)
    try:
        async with runtime.sessions.begin() as session:
            plan = await get_plan_by_name(session, args.plan)
            if plan is None:
                return _fail("invitations", f"no plan named {args.plan!r}")
            issued = await issue(session, plan.id, count=args.count, redeem_days=args.redeem_days)
    except InvitationError as exc:
        return _fail("invitations", str(exc))
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["token", "link", "plan", "redeem_by"])
        for item in issued:
            writer.writerow(
                [
                    item.token,
                    deep_link(username, item.token),
                    item.plan_name,
                    item.redeem_by.isoformat(),
                ]
            )
    else:
        for item in issued:
            print(
                f"{deep_link(username, item.token)}\t{item.plan_name}\t"
                f"redeem by {item.redeem_by.isoformat()}"
            )
    return 0


async def _cron(runtime: Any, args: argparse.Namespace) -> int:
    from lucien.ops.seam import observed_cron

    summary = await observed_cron(runtime, dry_run=True if args.dry_run else None)
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if summary["status"] == "failed" else 0


def add_commands(sub: Any) -> None:
    plans = sub.add_parser("plans", help="subscription plans (what an invitation grants)")
    plans_sub = plans.add_subparsers(dest="plans_command", required=True)
    p = plans_sub.add_parser("add", help="create a plan")
    p.add_argument("--name", required=True)
    p.add_argument("--days", required=True, help="length of a period, 1-3650")
    p.add_argument("--price", default="0", help="e.g. 19.99 (the price outside Telegram)")
    p.add_argument("--currency", default="USD", help="ISO code, default USD")
    p.add_argument(
        "--stars", help="price in Telegram Stars, 1-10000: members can buy it in the bot"
    )
    p.set_defaults(func=_run(_plans_add))
    p = plans_sub.add_parser("list", help="list plans")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run(_plans_list))

    inv = sub.add_parser("invitations", help="single-use VIP invitations")
    inv_sub = inv.add_subparsers(dest="invitations_command", required=True)
    p = inv_sub.add_parser("issue", help="issue invitations for a plan (deep links)")
    p.add_argument("--plan", required=True, help="plan name")
    p.add_argument("--count", type=int, default=1, help="1-50")
    p.add_argument("--redeem-days", type=int, default=7, help="redeem-by deadline in days")
    p.add_argument("--csv", action="store_true", help="CSV: token,link,plan,redeem_by")
    p.set_defaults(func=_run(_invitations_issue))

    p = sub.add_parser("cron", help="run the periodic job once and print its JSON summary")
    p.add_argument("--dry-run", action="store_true", help="report only; change nothing")
    p.set_defaults(func=_run(_cron))
