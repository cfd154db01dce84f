"""Process configuration from the environment.

Names are contracts (see architecture.md). A bad configuration stops the process at start
with one line per problem; secrets never appear in those lines or in ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from lucien.db.url import DatabaseURLError, normalize_database_url
from lucien.switches import parse_switch

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./lucien.db"
SANDBOX_TOKEN = "1000000001:sandbox-token-not-for-telegram"
#: Diana's id in the sandbox when ``ADMIN_USER_IDS`` is unset (there must be an owner to play).
SANDBOX_OWNER_ID = 1001


class ConfigError(Exception):
    """Raised with every configuration problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class Settings(BaseModel):
    """Every field is read from the environment variable of its name, in any case
    (``BOT_TOKEN``), by :func:`load_settings`; pydantic converts and validates the text.

    A plain model, not pydantic-settings: this project reads nothing but the environment
    (no ``.env`` files, no secrets directories, no nested or JSON values), and that
    package's import was a third of the health function's cold start (~90 ms here).
    """

    model_config = ConfigDict(extra="ignore")

    bot_token: SecretStr | None = None
    admin_user_ids: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    public_url: str | None = None
    #: Set by Railway on a service with a public domain (``name.up.railway.app``, no scheme).
    railway_public_domain: str | None = None
    cron_secret: SecretStr | None = None
    lucien_env: Literal["development", "production"] = "development"
    #: Every cron run rehearses: reads and plans, changes nothing (``lucien.jobs.runner``).
    lucien_cron_dry_run: bool = False
    metrics_token: SecretStr | None = None

    # Tunables with safe defaults; not part of the documented contract.
    redis_prefix: str = "lucien:"
    cron_time_budget_seconds: float = Field(default=50.0, gt=0)
    #: Telegram calls per second for all cron runs together (Telegram allows about 30)
    cron_telegram_rate: float = Field(default=25.0, gt=0, le=30)
    update_lease_seconds: int = Field(default=120, gt=0)
    max_body_bytes: int = 1024 * 1024
    #: An update that sends more SQL statements than this trips the N+1 alarm.
    sql_alarm_statements: int = Field(default=40, gt=0)
    #: The cron's schedule; its heartbeat counts as stale after three missed runs.
    cron_interval_minutes: int = Field(default=5, gt=0)
    max_json_depth: int = Field(default=64, gt=0)
    # The poison guard: an update that failed this many times, or whose first attempt is
    # older than this, is set aside as a dead letter (and the owner told once).
    update_max_attempts: int = Field(default=5, gt=0)
    update_max_age_seconds: int = Field(default=3600, gt=0)
    # One in-flight update holds at most one Redis connection at a time; the limit matches
    # the Telegram client's (50 concurrent requests), and a request waits for a free
    # connection (up to redis_pool_timeout_seconds) instead of failing over to the database.
    redis_max_connections: int = Field(default=50, gt=0)
    redis_pool_timeout_seconds: float = Field(default=2.0, gt=0)

    # Retention (days) of the tables that grow; the cron's clean-up applies them
    # (``lucien/jobs/cleanup.py``; README "Data" lists what each one keeps).
    retention_processed_updates_days: float = Field(default=3, gt=0)
    retention_stuck_claims_days: float = Field(default=1, gt=0)
    retention_update_effects_days: float = Field(default=3, gt=0)
    retention_join_requests_days: float = Field(default=30, gt=0)
    retention_voice_history_days: float = Field(default=1, gt=0)
    retention_rate_limits_days: float = Field(default=1, gt=0)
    retention_fsm_states_days: float = Field(default=7, gt=0)
    retention_audit_log_days: float = Field(default=365, gt=0)
    retention_job_runs_days: float = Field(default=30, gt=0)
    retention_invite_links_days: float = Field(default=30, gt=0)
    retention_interest_marks_days: float = Field(default=1, gt=0)
    retention_reminders_sent_days: float = Field(default=90, gt=0)
    retention_dead_letters_days: float = Field(default=90, gt=0)
    retention_ops_profiles_days: float = Field(default=30, gt=0)
    retention_ops_alerts_days: float = Field(default=30, gt=0)

    @field_validator(
        "bot_token",
        "webhook_secret",
        "cron_secret",
        "metrics_token",
        "redis_url",
        "public_url",
        "railway_public_domain",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("lucien_cron_dry_run", mode="before")
    @classmethod
    def _switch(cls, value: object) -> bool:
        # Read like the cron's other doors read it; a typo stops the start, not a run.
        if isinstance(value, str) and not value.strip():
            return False
        return bool(parse_switch(value, "value"))

    @field_validator("admin_user_ids")
    @classmethod
    def _ids_are_numbers(cls, value: str) -> str:
        for part in _split_ids(value):
            if not part.lstrip("-").isdigit():
                raise ValueError(f"'{part}' is not a numeric Telegram id")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return normalize_database_url(value)
        except DatabaseURLError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None:
            raw = value.get_secret_value()
            if not (1 <= len(raw) <= 256) or not all(c.isalnum() or c in "_-" for c in raw):
                raise ValueError("must be 1-256 characters of letters, digits, _ or -")
        return value

    @model_validator(mode="after")
    def _production_requirements(self) -> Settings:
        if self.lucien_env != "production":
            return self
        problems = []
        if self.bot_token is None:
            problems.append("BOT_TOKEN is required in production")
        if self.webhook_secret is None:
            problems.append("WEBHOOK_SECRET is required in production")
        if not self.database_url.startswith("postgresql"):
            problems.append("DATABASE_URL must be a PostgreSQL URL in production")
        if not self.admin_user_ids.strip():
            problems.append("ADMIN_USER_IDS must name at least the owner in production")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- derived values -----------------------------------------------------------------

    @property
    def admin_ids(self) -> tuple[int, ...]:
        ids = tuple(int(p) for p in _split_ids(self.admin_user_ids))
        if not ids and self.sandbox:
            return (SANDBOX_OWNER_ID,)
        return ids

    @property
    def owner_id(self) -> int | None:
        ids = self.admin_ids
        return ids[0] if ids else None

    @property
    def sandbox(self) -> bool:
        """No token: Telegram is the in-process double."""
        return self.bot_token is None

    @property
    def public_base_url(self) -> str | None:
        """Where Telegram reaches this deployment: ``PUBLIC_URL``, else Railway's domain."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.railway_public_domain:
            domain = self.railway_public_domain.strip().strip("/")
            domain = domain.removeprefix("https://").removeprefix("http://")
            return f"https://{domain}"
        return None

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value() if self.bot_token else SANDBOX_TOKEN

    def missing_secrets(self, serves: tuple[str, ...]) -> list[str]:
        """Fail closed: a real bot refuses to serve an endpoint without its secret.

        ``serves`` names what the process exposes ("webhook", "cron"); long polling
        exposes nothing and needs neither. The sandbox (no token) may run open.
        """
        if self.sandbox:
            return []
        problems = []
        if "webhook" in serves and self.webhook_secret is None:
            problems.append("WEBHOOK_SECRET is required to serve the webhook with a real BOT_TOKEN")
        if "cron" in serves and self.cron_secret is None:
            problems.append("CRON_SECRET is required to serve /cron with a real BOT_TOKEN")
        return problems

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _split_ids(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _problem_lines(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]).upper()
        message = str(err["msg"]).removeprefix("Value error, ")
        if field:
            lines.append(f"{field}: {message}")
        else:
            lines.extend(part.strip() for part in message.split(";"))
    return lines


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables that name a setting, by field name (``BOT_TOKEN`` → ``bot_token``)."""
    fields = Settings.model_fields
    env = os.environ if environ is None else environ
    return {key.lower(): value for key, value in env.items() if key.lower() in fields}


def load_settings(**overrides: object) -> Settings:
    """Read the environment (plus explicit overrides), raising ConfigError on problems."""
    try:
        return Settings.model_validate({**from_environment(), **overrides})
    except ValidationError as exc:
        raise ConfigError(_problem_lines(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
