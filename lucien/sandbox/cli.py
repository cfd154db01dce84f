"""``lucien sandbox demo``: play the whole story in a throwaway sandbox and print it."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lucien.settings import Settings


def sandbox_settings(database_url: str, **overrides: Any) -> Settings:
    """Sandbox settings whatever the environment says: the built-in double (never
    Telegram), this database (never the configured one), no Redis."""
    from lucien.settings import load_settings

    values: dict[str, Any] = {
        "bot_token": "",
        "database_url": database_url,
        "redis_url": "",
        "webhook_secret": "",
        "cron_secret": "",
        "lucien_env": "development",
    }
    return load_settings(**(values | overrides))


async def _demo(database_url: str) -> list[str]:
    from lucien.runtime import Runtime
    from lucien.sandbox.story import play

    runtime = Runtime(sandbox_settings(database_url))
    try:
        return await play(runtime)
    finally:
        await runtime.aclose()


def cmd_demo(args: argparse.Namespace) -> int:
    from lucien.db.migrations import upgrade
    from lucien.settings import ConfigError

    with tempfile.TemporaryDirectory(prefix="lucien-sandbox-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'sandbox.db'}"
        upgrade(url)
        try:
            lines = asyncio.run(_demo(url))
        except ConfigError as exc:
            for line in exc.problems:
                print(f"lucien: configuration: {line}", file=sys.stderr)
            return 2
    print("\n".join(lines))
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("sandbox", help="try Lucien without Telegram")
    sandbox_sub = p.add_subparsers(dest="sandbox_command", required=True)
    demo = sandbox_sub.add_parser("demo", help="play the whole story and print the conversation")
    demo.set_defaults(func=cmd_demo)
