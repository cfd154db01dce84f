"""Structured logs: one JSON object per line in production, readable text locally.

Every record becomes ``{"ts", "level", "logger", "msg", …}``; records emitted with
``extra={"ops": {...}}`` (one per update, one per cron step) carry those fields at the top
level so a log search can filter on ``outcome`` or ``handler`` directly. Nothing personal
goes in: updates are identified by ``update_id``, people never by name, and SQLAlchemy's
``hide_parameters`` keeps bound values out of database errors.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from lucien.ops.observe import Observation

UPDATE_LOG = logging.getLogger("lucien.ops.update")
CRON_LOG = logging.getLogger("lucien.ops.cron")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "ops", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def wants_json() -> bool:
    """``LOG_FORMAT=json|text``; unset means JSON in production, text elsewhere."""
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    return os.environ.get("LUCIEN_ENV", "").strip().lower() == "production"


def use_json(root: logging.Logger | None = None) -> None:
    for handler in (root or logging.getLogger()).handlers:
        handler.setFormatter(JsonFormatter())


def update_fields(obs: Observation) -> dict[str, Any]:
    return {
        "update_id": obs.update_id,
        "kind": obs.kind,
        "handler": obs.handler,
        "role": obs.role,
        "outcome": obs.outcome,
        "duration_ms": obs.duration_ms,
        "sql": obs.sql,
        "telegram": len(obs.telegram),
        "telegram_ms": round(sum(c.ms for c in obs.telegram), 2),
        "telegram_errors": [c.error for c in obs.telegram if c.error] or None,
        "fallback": sorted(obs.fallbacks) or None,
        "error": obs.error,
    }


def log_update(obs: Observation) -> None:
    fields = update_fields(obs)
    level = logging.WARNING if obs.outcome == "failed" else logging.INFO
    if UPDATE_LOG.isEnabledFor(level):
        UPDATE_LOG.log(
            level,
            "update %s %s → %s by %s in %.1f ms (%d sql, %d telegram)",
            obs.update_id,
            obs.kind,
            obs.outcome,
            obs.handler or "-",
            obs.duration_ms,
            obs.sql,
            len(obs.telegram),
            extra={"ops": fields},
        )


def log_cron(summary: dict[str, Any], obs: Observation, steps: list[str]) -> None:
    """One line per step (its counts, its outcome), then one for the run."""
    failed = set(summary.get("failed_steps") or [])
    for step in steps:
        counts = (summary.get("counts") or {}).get(step, {})
        outcome = "failed" if step in failed else "ok"
        CRON_LOG.log(
            logging.WARNING if step in failed else logging.INFO,
            "cron step %s %s: %s",
            step,
            outcome,
            counts,
            extra={
                "ops": {
                    "cron_step": step,
                    "outcome": outcome,
                    "counts": counts,
                    "dry_run": summary.get("dry_run"),
                }
            },
        )
    CRON_LOG.info(
        "cron run %s in %.1f s (%d sql, %d telegram)",
        summary.get("status"),
        obs.duration_ms / 1000,
        obs.sql,
        len(obs.telegram),
        extra={
            "ops": {
                "cron_run": summary.get("run_id"),
                "outcome": summary.get("status"),
                "dry_run": summary.get("dry_run"),
                "duration_ms": obs.duration_ms,
                "sql": obs.sql,
                "telegram": len(obs.telegram),
                "failed_steps": summary.get("failed_steps") or None,
                "error_count": summary.get("error_count"),
                "fallback": sorted(obs.fallbacks) or None,
            }
        },
    )
