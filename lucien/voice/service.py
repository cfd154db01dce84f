"""The :class:`Voice`: one per request, holding the display zone and the variant memory."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from lucien import clock
from lucien.voice.dates import zone
from lucien.voice.history import KEEP, VariantHistory

if TYPE_CHECKING:
    from lucien.voice.providers.admin_config import AdminConfigProvider
    from lucien.voice.providers.admin_content import AdminContentProvider
    from lucien.voice.providers.admin_free import AdminFreeProvider
    from lucien.voice.providers.admin_interests import AdminInterestsProvider
    from lucien.voice.providers.admin_main import AdminMainProvider
    from lucien.voice.providers.admin_payments import AdminPaymentsProvider
    from lucien.voice.providers.admin_users import AdminUsersProvider
    from lucien.voice.providers.admin_vip import AdminVipProvider
    from lucien.voice.providers.broadcast import BroadcastProvider
    from lucien.voice.providers.common import CommonProvider
    from lucien.voice.providers.dashboard import DashboardProvider
    from lucien.voice.providers.diagnostics import DiagnosticsProvider
    from lucien.voice.providers.expiry import ExpiryProvider
    from lucien.voice.providers.flows import FlowsProvider
    from lucien.voice.providers.menus import MenusProvider
    from lucien.voice.providers.payments import PaymentsProvider
    from lucien.voice.providers.reminders import RemindersProvider
    from lucien.voice.providers.ritual import RitualProvider
    from lucien.voice.providers.start import StartProvider
    from lucien.voice.providers.stats import StatsProvider
    from lucien.voice.providers.validation import ValidationProvider

log = logging.getLogger(__name__)


def _update_rng(user_id: int | None) -> random.Random:
    """Seeded by the update being handled: a redelivery says the same words again.

    (So a message re-sent after a failure is the same message, and one already sent is
    recognised as such.) Outside an update the choice is free.
    """
    from lucien.journal import current_update_id

    update_id = current_update_id()
    return random.Random() if update_id is None else random.Random(f"{update_id}:{user_id}")


class Voice:
    """Ask it for messages: ``voice.menus.vip(name=..., ends_at=..., days_left=...)``.

    Per request: ``await voice.load()`` once (one read of this user's recent variants),
    render any number of messages, then ``await voice.save()`` (one write). With
    ``user_id=None`` (broadcasts, system messages) no history is read or written.
    ``force_variant=N`` renders variant ``N`` (modulo the count) of every message — for the
    preview and the linter.
    """

    def __init__(
        self,
        *,
        history: VariantHistory | None,
        user_id: int | None,
        tz: ZoneInfo | tzinfo | str = "America/Mexico_City",
        now: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        force_variant: int | None = None,
    ) -> None:
        self.history = history
        self.user_id = user_id
        self.tz: tzinfo = zone(tz) if isinstance(tz, str) else tz
        self._now = now or clock.utcnow
        self.rng = rng or _update_rng(user_id)
        self.force_variant = force_variant
        self._recent: dict[str, list[int]] = {}
        self._dirty: dict[str, list[int]] = {}
        self.loaded = False
        #: every (key, index) chosen by this voice, in order — for tests and previews
        self.choices: list[tuple[str, int]] = []
        #: how many variants each message key has (filled as messages are rendered)
        self.variant_counts: dict[str, int] = {}

    # -- time -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._now()

    # -- variant memory ---------------------------------------------------------------

    @property
    def remembers(self) -> bool:
        return self.history is not None and self.user_id is not None

    async def load(self) -> None:
        """Read this user's recent variants (one read); failures leave the memory empty."""
        if not self.remembers or self.loaded:
            return
        assert self.history is not None and self.user_id is not None
        try:
            self._recent = await self.history.load(self.user_id)
        except Exception:  # the memory is a nicety: never fail a request over it
            log.warning("voice history could not be read", exc_info=True)
            self._recent = {}
        self.loaded = True

    def preload(self, recent: dict[str, list[int]]) -> None:
        """Memory the caller already read (inside its own transaction): ``load`` is skipped."""
        self._recent = dict(recent)
        self.loaded = True

    async def save(self) -> None:
        """Write the variants chosen during this request (one write)."""
        if not self.remembers or not self._dirty:
            return
        assert self.history is not None and self.user_id is not None
        updates, self._dirty = self._dirty, {}
        try:
            await self.history.save(self.user_id, updates)
        except Exception:
            log.warning("voice history could not be written", exc_info=True)

    def choose(self, key: str, weights: Sequence[float]) -> int:
        """Pick a variant index for ``key``, avoiding the last ones this user saw."""
        count = len(weights)
        self.variant_counts[key] = count
        if count <= 1:
            index = 0
        elif self.force_variant is not None:
            index = self.force_variant % count
        else:
            recent = self._recent.get(key, []) if self.remembers else []
            excluded: set[int] = set()
            for seen in recent[:KEEP]:
                if 0 <= seen < count and len(excluded | {seen}) < count:
                    excluded.add(seen)
            candidates = [i for i in range(count) if i not in excluded]
            index = self.rng.choices(candidates, weights=[weights[i] for i in candidates])[0]
            if self.remembers:
                updated = [index, *[r for r in recent if r != index]][:KEEP]
                self._recent[key] = updated
                self._dirty[key] = updated
        self.choices.append((key, index))
        return index

    # -- providers (built on first use) -------------------------------------------------

    @cached_property
    def common(self) -> CommonProvider:
        from lucien.voice.providers.common import CommonProvider

        return CommonProvider(self)

    @cached_property
    def validation(self) -> ValidationProvider:
        from lucien.voice.providers.validation import ValidationProvider

        return ValidationProvider(self)

    @cached_property
    def start(self) -> StartProvider:
        from lucien.voice.providers.start import StartProvider

        return StartProvider(self)

    @cached_property
    def menus(self) -> MenusProvider:
        from lucien.voice.providers.menus import MenusProvider

        return MenusProvider(self)

    @cached_property
    def ritual(self) -> RitualProvider:
        from lucien.voice.providers.ritual import RitualProvider

        return RitualProvider(self)

    @cached_property
    def flows(self) -> FlowsProvider:
        from lucien.voice.providers.flows import FlowsProvider

        return FlowsProvider(self)

    @cached_property
    def admin_main(self) -> AdminMainProvider:
        from lucien.voice.providers.admin_main import AdminMainProvider

        return AdminMainProvider(self)

    @cached_property
    def admin_payments(self) -> AdminPaymentsProvider:
        from lucien.voice.providers.admin_payments import AdminPaymentsProvider

        return AdminPaymentsProvider(self)

    @cached_property
    def admin_vip(self) -> AdminVipProvider:
        from lucien.voice.providers.admin_vip import AdminVipProvider

        return AdminVipProvider(self)

    @cached_property
    def admin_free(self) -> AdminFreeProvider:
        from lucien.voice.providers.admin_free import AdminFreeProvider

        return AdminFreeProvider(self)

    @cached_property
    def admin_content(self) -> AdminContentProvider:
        from lucien.voice.providers.admin_content import AdminContentProvider

        return AdminContentProvider(self)

    @cached_property
    def admin_interests(self) -> AdminInterestsProvider:
        from lucien.voice.providers.admin_interests import AdminInterestsProvider

        return AdminInterestsProvider(self)

    @cached_property
    def admin_users(self) -> AdminUsersProvider:
        from lucien.voice.providers.admin_users import AdminUsersProvider

        return AdminUsersProvider(self)

    @cached_property
    def admin_config(self) -> AdminConfigProvider:
        from lucien.voice.providers.admin_config import AdminConfigProvider

        return AdminConfigProvider(self)

    @cached_property
    def reminders(self) -> RemindersProvider:
        from lucien.voice.providers.reminders import RemindersProvider

        return RemindersProvider(self)

    @cached_property
    def expiry(self) -> ExpiryProvider:
        from lucien.voice.providers.expiry import ExpiryProvider

        return ExpiryProvider(self)

    @cached_property
    def broadcast(self) -> BroadcastProvider:
        from lucien.voice.providers.broadcast import BroadcastProvider

        return BroadcastProvider(self)

    @cached_property
    def stats(self) -> StatsProvider:
        from lucien.voice.providers.stats import StatsProvider

        return StatsProvider(self)

    @cached_property
    def dashboard(self) -> DashboardProvider:
        from lucien.voice.providers.dashboard import DashboardProvider

        return DashboardProvider(self)

    @cached_property
    def diagnostics(self) -> DiagnosticsProvider:
        from lucien.voice.providers.diagnostics import DiagnosticsProvider

        return DiagnosticsProvider(self)

    @cached_property
    def payments(self) -> PaymentsProvider:
        from lucien.voice.providers.payments import PaymentsProvider

        return PaymentsProvider(self)


PROVIDERS: tuple[str, ...] = (
    "common",
    "validation",
    "start",
    "menus",
    "ritual",
    "flows",
    "admin_main",
    "admin_vip",
    "admin_free",
    "admin_content",
    "admin_interests",
    "admin_users",
    "admin_config",
    "admin_payments",
    "reminders",
    "expiry",
    "broadcast",
    "stats",
    "dashboard",
    "diagnostics",
    "payments",
)
