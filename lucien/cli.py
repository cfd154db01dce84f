"""The ``lucien`` command: run, migrate, deploy steps and tools for the creator."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lucien.boot import configure_logging, settings_or_exit

Command = Callable[[argparse.Namespace], int]


def cmd_migrate(args: argparse.Namespace) -> int:
    from lucien.db.migrations import upgrade

    settings = settings_or_exit()
    upgrade(settings.database_url, args.revision)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = settings_or_exit("webhook", "cron")
    if settings.sandbox:
        print(
            "lucien: sandbox mode (no BOT_TOKEN): Telegram is the built-in double; "
            f"read what Lucien says at http://{args.host}:{args.port}/sandbox/_double/messages",
            file=sys.stderr,
        )
    uvicorn.run("lucien.web.local:create_local_app", factory=True, host=args.host, port=args.port)
    return 0


ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
]


async def _set_webhook() -> int:
    from lucien.runtime import get_runtime

    settings = settings_or_exit("webhook")
    if not settings.public_url:
        print(
            "lucien: configuration: PUBLIC_URL is required to register the webhook", file=sys.stderr
        )
        return 2
    runtime = get_runtime()
    url = settings.public_url.rstrip("/") + "/webhook"
    try:
        await runtime.bot.set_webhook(
            url,
            secret_token=settings.webhook_secret.get_secret_value()
            if settings.webhook_secret
            else None,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
            max_connections=40,
        )
        from lucien.bot.commands import register_commands

        await register_commands(runtime)
        print(json.dumps({"webhook": url, "allowed_updates": ALLOWED_UPDATES}))
    finally:
        await runtime.aclose()
    return 0


async def _webhook_info() -> int:
    from lucien.runtime import get_runtime

    settings_or_exit()
    runtime = get_runtime()
    try:
        info = await runtime.bot.get_webhook_info()
    finally:
        await runtime.aclose()
    out: dict[str, Any] = {
        "url": info.url,
        "pending_update_count": info.pending_update_count,
        "last_error_date": info.last_error_date.isoformat() if info.last_error_date else None,
        "last_error_message": info.last_error_message,
        "allowed_updates": info.allowed_updates,
        "max_connections": info.max_connections,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


async def _poll() -> int:
    from lucien.polling import run_polling
    from lucien.runtime import get_runtime

    settings = settings_or_exit()
    if settings.sandbox:
        print("lucien: configuration: BOT_TOKEN is required for long polling", file=sys.stderr)
        return 2
    await run_polling(get_runtime(), ALLOWED_UPDATES)
    return 0


def cmd_voice(args: argparse.Namespace) -> int:
    from lucien.voice.cli import lint_main, preview_main

    rest = list(args.rest)
    if args.voice_command == "lint":
        return lint_main(rest)
    return preview_main(rest)


def _async(fn: Callable[[], Any]) -> Command:
    return lambda _args: asyncio.run(fn())


def build_parser(extra: Sequence[Callable[[Any], None]] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lucien", description="Lucien, Diana's butler bot.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("serve", help="serve webhook, health and cron locally with uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=cmd_serve)

    sub.add_parser("set-webhook", help="register PUBLIC_URL/webhook with Telegram").set_defaults(
        func=_async(_set_webhook)
    )
    sub.add_parser("webhook-info", help="what Telegram reports about the webhook").set_defaults(
        func=_async(_webhook_info)
    )
    sub.add_parser("poll", help="long polling for local development").set_defaults(
        func=_async(_poll)
    )

    p = sub.add_parser("voice", help="Lucien's texts: lint and preview")
    p.add_argument("voice_command", choices=["lint", "preview"])
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_voice)

    for add in extra:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    from lucien.access.cli import add_commands
    from lucien.dead_letters import add_command as add_dead_letters
    from lucien.ops.cli import add_commands as add_ops_commands

    parser = build_parser([add_commands, add_dead_letters, add_ops_commands])
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
