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

from lucien.boot import configure_logging, settings_or_exit
from lucien.web.cron import create_cron_app
from lucien.web.lambda_handler import http_handler

configure_logging()
settings_or_exit("cron")
app = create_cron_app()
handler = http_handler(app, scheduled=True)

if __name__ == "__main__":
    from lucien.cli import main

    sys.exit(main(["cron", *sys.argv[1:]]))
