"""What every step of a cron run shares: clock, budget, limiter, configuration, counts."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram import Bot

from lucien.access.config import CONFIG_ID, reminder_offsets
from lucien.db.models import BotConfig, utcnow
from lucien.db.records import from_attributes
from lucien.runtime import Runtime
from lucien.telegram.limiter import Budget, Limiter
from lucien.voice import Voice

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 20
MAX_PLANNED_KEPT = 50


@dataclass(frozen=True)
class CronConfig:
    """A read-only snapshot of ``bot_config`` (never creates the row: dry runs read only)."""

    vip_channel_id: int | None = None
    free_channel_id: int | None = None
    free_wait_minutes: int = 10
    free_invite_link: str | None = None
    creator_username: str | None = None
    timezone: str = "America/Mexico_City"
    reminder_offsets: tuple[int, ...] = (72, 24)
    dry_run: bool = False

    @classmethod
    def from_row(cls, row: BotConfig | None) -> CronConfig:
        if row is None:
            return cls()
        return from_attributes(
            cls,
            row,
            timezone=row.timezone or "America/Mexico_City",
            reminder_offsets=tuple(reminder_offsets(row)),
            dry_run=bool(row.dry_run),
        )


async def read_config(runtime: Runtime) -> CronConfig:
    async with runtime.sessions() as session:
        return CronConfig.from_row(await session.get(BotConfig, CONFIG_ID))


@dataclass
class CronContext:
    runtime: Runtime
    config: CronConfig
    dry_run: bool
    budget: Budget
    limiter: Limiter
    clock: Callable[[], datetime] = utcnow
    #: rows claimed per statement, and rows handled at the same time
    batch_size: int = 20
    concurrency: int = 5
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    #: dry run: what would have been done (kind, user id, name, when), the first few
    planned: list[dict[str, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    budget_exhausted: bool = False
    #: rows given back after a transient failure: not claimed again by this run
    deferred: dict[str, set[int]] = field(default_factory=dict)

    @property
    def bot(self) -> Bot:
        return self.runtime.bot

    @property
    def is_postgres(self) -> bool:
        return not self.runtime.settings.is_sqlite

    def now(self) -> datetime:
        return self.clock()

    @property
    def lease(self) -> timedelta:
        """A claimed row stays ours for longer than the whole run could take."""
        return timedelta(seconds=self.budget.seconds + 120)

    def count(self, step: str, what: str, n: int = 1) -> None:
        self.counts.setdefault(step, Counter())[what] += n

    def error(self, step: str, message: str) -> None:
        self.error_count += 1
        self.count(step, "errors")
        log.warning("cron %s: %s", step, message)
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(f"{step}: {message}"[:300])

    def defer(self, step: str, row_id: int) -> None:
        """Leave this row to the next run (Telegram is unwell right now)."""
        self.deferred.setdefault(step, set()).add(row_id)

    def skipped(self, step: str) -> set[int]:
        return self.deferred.get(step, set())

    def plan(self, kind: str, user_id: int, name: str | None, when: datetime | None) -> None:
        if len(self.planned) < MAX_PLANNED_KEPT:
            self.planned.append(
                {
                    "kind": kind,
                    "user_id": user_id,
                    "name": name or "",
                    "when": when.isoformat() if when else None,
                }
            )

    def totals(self) -> dict[str, int]:
        """Flat counts for the heartbeat (the keys the dashboard's report knows); a dry
        run's are what it would have done."""
        get = lambda step, *keys: sum(self.counts.get(step, Counter())[k] for k in keys)  # noqa: E731
        if self.dry_run:
            return {
                "would_remind": get("reminders", "would_send"),
                "would_expire": get("expiry", "would_expire"),
                "would_approve": get("free", "would_approve"),
            }
        return {
            "reminders": get("reminders", "sent"),
            "expired": get("expiry", "expired", "renewed", "admin"),
            "farewells": get("expiry", "farewells"),
            "removed": get("expiry", "removed"),
            "links_revoked": get("expiry", "links_revoked"),
            "approved": get("free", "approved"),
            "closed": get("free", "closed"),
            "retried": get("expiry", "retry_later")
            + get("free", "retry_later")
            + get("reminders", "retry_later"),
            "unreachable": get("expiry", "unreachable")
            + get("reminders", "unreachable")
            + get("free", "approved_dm_unreachable"),
            "failed": get("expiry", "attempt_failed") + get("free", "failed"),
        }

    def voice(self) -> Voice:
        """System messages: no per-user variant memory (that would cost two round trips)."""
        return Voice(history=None, user_id=None, tz=self.config.timezone)

    def reserve(self) -> float:
        """Stop claiming new work when less than this many seconds remain."""
        return min(10.0, self.budget.seconds * 0.2)

    def may_claim(self) -> bool:
        if self.budget.allows(self.reserve()):
            return True
        self.budget_exhausted = True
        return False


def backoff(attempts: int, *, base: float = 60.0, cap: float = 3600.0) -> timedelta:
    """60 s, 2 min, 4 min… capped at an hour."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))
