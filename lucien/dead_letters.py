"""``lucien dead-letters``: list what the poison guard set aside, and replay one.

A replay runs the stored update through the same pipeline as the webhook, from scratch
(its ledger marks are forgotten first), and records how it ended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from lucien.runtime import Runtime
from lucien.services import dead_letters


def _row(letter: Any) -> dict[str, Any]:
    return {
        "id": letter.id,
        "update_id": letter.update_id,
        "set_aside_at": letter.created_at.isoformat(),
        "attempts": letter.attempts,
        "error": letter.error,
        "replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None,
        "replay_outcome": letter.replay_outcome,
    }


async def list_letters(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        return [_row(letter) for letter in await dead_letters.listing(session)]


class UnknownLetter(LookupError):
    pass


async def replay_letter(runtime: Runtime, letter_id: int) -> str:
    """Run letter ``letter_id`` again; returns the pipeline's outcome."""
    from lucien.pipeline import replay

    async with runtime.sessions() as session:
        letter = await dead_letters.get(session, letter_id)
        payload = None if letter is None else dict(letter.payload)
    if payload is None:
        raise UnknownLetter(letter_id)
    outcome = (await replay(runtime, payload)).value
    async with runtime.sessions.begin() as session:
        await dead_letters.mark_replayed(session, letter_id, outcome)
    return outcome


async def _main(args: argparse.Namespace) -> int:
    from lucien.boot import settings_or_exit
    from lucien.runtime import get_runtime

    settings_or_exit()
    runtime = get_runtime()
    try:
        if args.action == "replay":
            try:
                outcome = await replay_letter(runtime, args.id)
            except UnknownLetter:
                print(f"lucien: no dead letter {args.id}", file=sys.stderr)
                return 1
            print(json.dumps({"id": args.id, "outcome": outcome}))
            return 0 if outcome in ("handled", "settled", "duplicate") else 1
        print(json.dumps(await list_letters(runtime), ensure_ascii=False, indent=2))
        return 0
    finally:
        await runtime.aclose()


def add_command(sub: Any) -> None:
    p = sub.add_parser("dead-letters", help="updates set aside after failing; replay one")
    p.add_argument("action", nargs="?", choices=["list", "replay"], default="list")
    p.add_argument("id", nargs="?", type=int)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.action == "replay" and args.id is None:
        print("lucien: dead-letters replay needs the letter's id", file=sys.stderr)
        return 2
    return asyncio.run(_main(args))
