"""The ``lucien`` command: run, migrate, deploy steps and tools for the creator."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lucien.boot import configure_logging, settings_or_exit
from lucien.telegram.updates import ALLOWED_UPDATES

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
            f"open the chat page at http://{args.host}:{args.port}/sandbox/",
            file=sys.stderr,
        )
    uvicorn.run("lucien.cli.local:create_local_app", factory=True, host=args.host, port=args.port)
    return 0


async def _set_webhook() -> int:
    from lucien.runtime import get_runtime

    settings = settings_or_exit("webhook")
    base = settings.public_base_url
    if base is None:
        print(
            "lucien: configuration: PUBLIC_URL is required to register the webhook "
            "(on Railway, RAILWAY_PUBLIC_DOMAIN stands in: generate a domain for the service)",
            file=sys.stderr,
        )
        return 2
    runtime = get_runtime()
    url = base + "/webhook"
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


def _data_failed(area: str, exc: Exception) -> int:
    print(f"lucien: {area}: {exc}", file=sys.stderr)
    print(json.dumps({"status": "error", "error": str(exc)}, ensure_ascii=False))
    return 2


def cmd_migrate_data(args: argparse.Namespace) -> int:
    from lucien.data.migrate import migrate_data
    from lucien.data.schema import DataError
    from lucien.db.url import DatabaseURLError

    try:
        summary = asyncio.run(
            migrate_data(
                args.source,
                args.target,
                force=args.force,
                dry_run=args.dry_run,
                batch_size=args.batch_size,
            )
        )
    except (DataError, DatabaseURLError) as exc:
        return _data_failed("migrate-data", exc)
    for problem in summary.problems[:20]:
        print(f"lucien: migrate-data: refused {problem.line()}", file=sys.stderr)
    if summary.error:
        print(f"lucien: migrate-data: {summary.error}", file=sys.stderr)
    print(json.dumps(summary.as_dict(), ensure_ascii=False))
    return 0 if summary.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from lucien.data.archive import export_archive
    from lucien.data.schema import DataError

    settings = settings_or_exit()
    try:
        manifest = asyncio.run(export_archive(settings.database_url, args.file))
    except DataError as exc:
        return _data_failed("export", exc)
    print(json.dumps({"status": "ok", "file": args.file, **manifest}, ensure_ascii=False))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    import zipfile

    from lucien.data.archive import import_archive
    from lucien.data.schema import DataError

    settings = settings_or_exit()
    try:
        summary = asyncio.run(import_archive(settings.database_url, args.file, force=args.force))
    except (DataError, OSError, zipfile.BadZipFile) as exc:
        return _data_failed("import", exc)
    asyncio.run(_forget_cached(settings))
    print(json.dumps(summary, ensure_ascii=False))
    return 0


async def _forget_cached(settings: Any) -> None:
    """A restore rewrote every table behind the cache's back: no update may read a
    configuration or a role cached before it (write-through invalidation only sees the
    runtime's own sessions), so every cached group moves to a new generation."""
    from lucien.cache import GROUPS
    from lucien.runtime import Runtime

    runtime = Runtime(settings)
    try:
        await runtime.cache().bump(set(GROUPS.values()))
    finally:
        await runtime.aclose()


def _with_runtime(work: Callable[[Any, argparse.Namespace], Any]) -> Command:
    def command(args: argparse.Namespace) -> int:
        from lucien.runtime import Runtime

        settings = settings_or_exit()

        async def main() -> int:
            runtime = Runtime(settings)
            try:
                result: int = await work(runtime, args)
                return result
            finally:
                await runtime.aclose()

        return asyncio.run(main())

    return command


async def _users_export(runtime: Any, args: argparse.Namespace) -> int:
    from lucien.data.person import collect, redis_collect

    async with runtime.sessions() as session:
        rows = await collect(session, args.id)
    redis = runtime.redis()
    held: dict[str, Any] = {"user_id": args.id, "database": rows}
    if redis is not None:
        held["redis"] = await redis_collect(redis, runtime.settings.redis_prefix, args.id)
    print(json.dumps(held, ensure_ascii=False, indent=2))
    return 0 if rows or held.get("redis") else 1


async def _users_delete(runtime: Any, args: argparse.Namespace) -> int:
    from lucien.services.admin_users import Result, wipe

    done = await wipe(runtime, actor_id=None, user_id=args.id)
    if done.result is not Result.DONE:
        print(f"lucien: users: cannot delete {args.id}: {done.result.value}", file=sys.stderr)
        return 2
    status = "pending" if done.problems else "deleted"
    print(
        json.dumps(
            {
                "user_id": args.id,
                "status": status,
                "telegram_problems": done.problems,
                "removed": done.removed,
            },
            ensure_ascii=False,
        )
    )
    if done.problems:
        print(
            f"lucien: users: {args.id} is out of every membership but still in a channel; "
            "the rows are kept: run the same command again to finish",
            file=sys.stderr,
        )
        return 1
    return 0


def _add_data_commands(sub: Any) -> None:
    p = sub.add_parser(
        "migrate-data", help="copy a whole database (SQLite or PostgreSQL) into another, verified"
    )
    p.add_argument("source", help="source DATABASE_URL (at this Lucien's head)")
    p.add_argument("target", help="target DATABASE_URL (empty; migrated first if needed)")
    p.add_argument("--force", action="store_true", help="empty a non-empty target first")
    p.add_argument("--dry-run", action="store_true", help="validate the source; write nothing")
    p.add_argument("--batch-size", type=int, default=1000)
    p.set_defaults(func=cmd_migrate_data)

    p = sub.add_parser("export", help="write a portable backup archive of DATABASE_URL")
    p.add_argument("file")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", help="restore a backup archive into DATABASE_URL")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="empty a non-empty database first")
    p.set_defaults(func=cmd_import)

    users = sub.add_parser("users", help="a person's data: export (right of access) or delete")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    p = users_sub.add_parser("export", help="print everything held about a person as JSON")
    p.add_argument("id", type=int, help="Telegram user id")
    p.set_defaults(func=_with_runtime(_users_export))
    p = users_sub.add_parser("delete", help="remove from the channels, then delete every row")
    p.add_argument("id", type=int, help="Telegram user id")
    p.set_defaults(func=_with_runtime(_users_delete))


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
    from lucien.cli.access import add_commands
    from lucien.cli.dead_letters import add_command as add_dead_letters
    from lucien.ops.cli import add_commands as add_ops_commands
    from lucien.sandbox.cli import add_commands as add_sandbox_commands

    parser = build_parser(
        [add_commands, add_dead_letters, _add_data_commands, add_ops_commands, add_sandbox_commands]
    )
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
