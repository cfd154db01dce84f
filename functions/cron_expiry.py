"""Cron function: reminders, expiries and removals, Free approvals, clean-up.

- Railway (cron service): ``python -m functions.cron_expiry [--dry-run]`` is ``lucien cron``:
  runs the job once, prints the JSON summary, exits non-zero only when every step failed.
- Lambda: ``functions.cron_expiry.handler``. Mangum infers the event: an EventBridge
  schedule (``rate(5 minutes)``; ``{"dry_run": true}`` at its top level or in ``detail``
  reports only) runs the job and returns its summary; HTTP events (Function URL / API
  Gateway) are ``POST /cron`` with ``Authorization: Bearer <CRON_SECRET>``.
- Anywhere: ``uvicorn functions.cron_expiry:app``.
"""

import sys
from typing import Any

from lucien.boot import configure_logging, settings_or_exit
from lucien.runtime import get_runtime
from lucien.web.cron import create_cron_app
from lucien.web.lambda_handler import ensure_event_loop, http_handler

configure_logging()
settings_or_exit("cron")
app = create_cron_app()
_lambda = http_handler(app, scheduled=True)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry (Mangum infers the event). One command besides: ``{"lucien": "doctor"}``
    (``aws lambda invoke``) is the post-deploy check."""
    if isinstance(event, dict) and event.get("lucien") == "doctor":
        from lucien.ops.cli import doctor

        code, report = ensure_event_loop().run_until_complete(doctor(get_runtime()))
        return {"exit_code": code, **report}
    return _lambda(event, context)


if __name__ == "__main__":
    from lucien.cli import main

    sys.exit(main(["cron", *sys.argv[1:]]))
