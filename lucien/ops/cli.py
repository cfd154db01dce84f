"""``lucien doctor`` (the diagnostics report as JSON; exit 0 when every check passes, 1
otherwise — a post-deploy smoke test) and ``lucien profile UPDATE.json`` (one update under
pyinstrument, its HTML report written next to it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lucien.runtime import Runtime


async def doctor(runtime: Runtime, **options: Any) -> tuple[int, dict[str, Any]]:
    """The exit code and the JSON report (``options`` as for ``run_report``)."""
    from lucien.ops.diagnostics import report_json, run_report

    report = await run_report(runtime, **options)
    return (0 if report["ok"] else 1), report_json(report)


async def _doctor(args: argparse.Namespace) -> int:
    from lucien.boot import settings_or_exit
    from lucien.runtime import Runtime

    runtime = Runtime(settings_or_exit())
    try:
        code, report = await doctor(
            runtime,
            smoke=not args.no_smoke,
            pytest_run=args.pytest,
            pytest_args=args.pytest_args or None,
        )
    finally:
        await runtime.aclose()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return code


def _profile(args: argparse.Namespace) -> int:
    source = Path(args.update)
    try:
        payload: Any = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"lucien: profile: cannot read {source}: {exc}", file=sys.stderr)
        return 2
    result = asyncio.run(_profile_update(payload, source))
    if isinstance(result, int):
        return result
    html, fields = result
    target = Path(args.output) if args.output else source.with_suffix(".html")
    target.write_text(html, encoding="utf-8")
    print(json.dumps({"report": str(target), **fields}, ensure_ascii=False))
    return 0


async def _profile_update(payload: Any, source: Path) -> tuple[str, dict[str, Any]] | int:
    from lucien.boot import settings_or_exit
    from lucien.ops.logs import update_fields
    from lucien.ops.profiling import profile_one
    from lucien.pipeline import InvalidUpdate
    from lucien.runtime import Runtime

    runtime = Runtime(settings_or_exit())
    try:
        html, obs = await profile_one(runtime, payload)
    except InvalidUpdate as exc:
        print(f"lucien: profile: {source}: {exc}", file=sys.stderr)
        return 2
    finally:
        await runtime.aclose()
    return html, update_fields(obs)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("doctor", help="live checks and smoke tests as JSON (exit 1 on failure)")
    p.add_argument("--no-smoke", action="store_true", help="live checks only")
    p.add_argument("--pytest", action="store_true", help="also run the test suite (development)")
    p.add_argument("pytest_args", nargs="*", help="arguments for pytest (with --pytest)")
    p.set_defaults(func=lambda a: asyncio.run(_doctor(a)))

    p = sub.add_parser("profile", help="profile one update (JSON file) and write an HTML report")
    p.add_argument("update", help="a Telegram Update as JSON")
    p.add_argument("-o", "--output", help="where to write the HTML (default: UPDATE.html)")
    p.set_defaults(func=_profile)
