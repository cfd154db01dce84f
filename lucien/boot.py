"""Start-up for the function entries: settings are validated once, loudly.

An invalid configuration stops the process with one line per problem (never a secret),
which Railway and Lambda both show in their logs.
"""

from __future__ import annotations

import logging
import os
import sys

from lucien.settings import ConfigError, Settings, get_settings


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from lucien.ops.logs import use_json, wants_json

    if wants_json():
        use_json()


def settings_or_exit(*serves: str) -> Settings:
    """Valid settings, or exit with one line per problem.

    ``serves`` names the HTTP endpoints this process exposes ("webhook", "cron"): with a
    real token each needs its secret, whatever ``LUCIEN_ENV`` says.
    """
    try:
        settings = get_settings()
        problems = settings.missing_secrets(serves)
        if problems:
            raise ConfigError(problems)
        return settings
    except ConfigError as exc:
        for line in exc.problems:
            print(f"lucien: configuration: {line}", file=sys.stderr)
        raise SystemExit(2) from None
