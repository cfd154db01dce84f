"""Cron function: reminders, expiries and removals, Free approvals, clean-up.

- Railway (cron service): ``python -m functions.cron_expiry`` runs the job once, prints the
  JSON summary and exits (non-zero only when every step failed).
- Lambda: ``functions.cron_expiry.handler``. An EventBridge schedule (``rate(5 minutes)``)
  sends an event with no HTTP shape: the job runs directly and the summary is returned.
  HTTP events (Function URL / API Gateway) go to the app: ``POST /cron`` with
  ``Authorization: Bearer <CRON_SECRET>``.
- Anywhere: ``uvicorn functions.cron_expiry:app``.

``--dry-run`` / ``LUCIEN_CRON_DRY_RUN=1`` / ``{"dry_run": true}`` in the scheduled event:
report only, change nothing (``lucien.jobs.switches`` reads every one of them the same way:
``"false"`` is false, garbage is refused).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from lucien.boot import configure_logging, settings_or_exit
from lucien.jobs.switches import BadSwitch, parse_switch
from lucien.ops.seam import observed_cron
from lucien.runtime import get_runtime
from lucien.web.cron import create_cron_app
from lucien.web.lambda_handler import ensure_event_loop, http_handler

log = logging.getLogger(__name__)

configure_logging()
settings_or_exit("cron")
app = create_cron_app()
_http = http_handler(app)


def is_http_event(event: Any) -> bool:
    return isinstance(event, dict) and any(
        key in event for key in ("requestContext", "httpMethod", "rawPath", "routeKey")
    )


def _event_dry_run(event: Any) -> bool | None:
    """``dry_run`` of a scheduled event (top level or under ``detail``); raises
    :class:`BadSwitch` for a value that is not yes or no."""
    if not isinstance(event, dict):
        return None
    for source in (event, event.get("detail")):
        if isinstance(source, dict) and "dry_run" in source:
            return parse_switch(source["dry_run"])
    return None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry: HTTP through Mangum, anything else (a schedule) runs the job.

    A scheduled event with an unreadable ``dry_run`` runs nothing and answers why (no
    exception: Lambda would only retry the same event)."""
    if is_http_event(event):
        return _http(event, context)
    try:
        dry_run = _event_dry_run(event)
    except BadSwitch as exc:
        log.error("cron event rejected: %s", exc)
        return {"ok": False, "status": "rejected", "error": str(exc)}
    loop = ensure_event_loop()
    if isinstance(event, dict) and event.get("lucien") == "doctor":
        # Post-deploy check on Lambda: `aws lambda invoke --payload '{"lucien": "doctor"}'`.
        from lucien.ops.cli import doctor

        code, report = loop.run_until_complete(doctor(get_runtime()))
        return {"exit_code": code, **report}
    return loop.run_until_complete(observed_cron(get_runtime(), dry_run=dry_run))


async def _run_once(dry_run: bool | None) -> dict[str, Any]:
    runtime = get_runtime()
    try:
        return await observed_cron(runtime, dry_run=dry_run)
    finally:
        await runtime.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    dry_run = True if "--dry-run" in args else None
    summary = asyncio.run(_run_once(dry_run))
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if summary["status"] == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
