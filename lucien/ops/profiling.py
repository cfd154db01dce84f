"""Profiling on request, and the N+1 alarm.

``/profile N`` stores N in ``ops_state`` (the database, so every instance sees it). Each
process looks at that number at most every ``POLL_SECONDS``; while it is above zero, each
update claims one unit with a conditional ``UPDATE … WHERE value > 0`` and runs under
cProfile. Its summary — hot spots, the statements it sent, its Telegram calls and their
durations — goes to ``ops_profiles``. Updates that send more than the alarm threshold of
statements are stored there too (``reason="n_plus_one"``) with their statement shapes.

``lucien profile UPDATE.json`` runs one update under pyinstrument and writes its HTML report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from lucien.db.models import OpsProfile, OpsState, utcnow
from lucien.db.results import rowcount
from lucien.db.upsert import upsert
from lucien.ops.observe import Observation, observing

if TYPE_CHECKING:
    import cProfile

    from lucien.runtime import Runtime

log = logging.getLogger(__name__)

KEY = "profile_remaining"
POLL_SECONDS = 5.0
MAX_REQUEST = 100
HOT_SPOTS = 8

_seen: dict[str, tuple[float, int]] = {}  # database URL → (when looked, remaining)


class Profiler:
    """cProfile around one update (stdlib: nothing to import until it is needed)."""

    def __init__(self) -> None:
        import cProfile

        self.profile: cProfile.Profile = cProfile.Profile()

    def __enter__(self) -> Profiler:
        self.profile.enable()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.profile.disable()

    def hot_spots(self, limit: int = HOT_SPOTS) -> list[dict[str, Any]]:
        import pstats

        stats = pstats.Stats(self.profile)
        rows = []
        for (filename, line, name), (_cc, calls, own, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if (
                "lucien" not in filename
                and "aiogram" not in filename
                and "sqlalchemy" not in filename
            ):
                continue
            where = filename.rsplit("site-packages/", 1)[-1].rsplit("/lucien/", 1)[-1]
            rows.append(
                {
                    "function": f"{where}:{line}({name})",
                    "calls": calls,
                    "own_ms": round(own * 1000, 2),
                    "cum_ms": round(cum * 1000, 2),
                }
            )
        rows.sort(key=lambda r: r["own_ms"], reverse=True)
        return rows[:limit]


async def arm(runtime: Runtime, count: int) -> int:
    """Ask for the next ``count`` updates to be profiled (replaces any earlier request)."""
    count = max(0, min(count, MAX_REQUEST))
    async with runtime.sessions.begin() as session:
        await session.execute(
            upsert(
                session,
                OpsState,
                {"key": KEY, "value": count, "updated_at": utcnow()},
                ["key"],
                ["value", "updated_at"],
            )
        )
    _seen.pop(runtime.settings.database_url, None)
    return count


async def claim(runtime: Runtime) -> Profiler | None:
    """A profiler if this update is one of those asked for; cheap when none are."""
    url = runtime.settings.database_url
    looked, remaining = _seen.get(url, (0.0, 0))
    now = time.monotonic()
    if now - looked >= POLL_SECONDS:
        try:
            async with runtime.sessions() as session:
                remaining = int(
                    await session.scalar(select(OpsState.value).where(OpsState.key == KEY)) or 0
                )
        except Exception:
            remaining = 0
        _seen[url] = (now, remaining)
    if remaining <= 0:
        return None
    async with runtime.sessions.begin() as session:
        taken = await session.execute(
            update(OpsState)
            .where(OpsState.key == KEY, OpsState.value > 0)
            .values(value=OpsState.value - 1, updated_at=utcnow())
        )
    if rowcount(taken) != 1:
        _seen[url] = (now, 0)
        return None
    _seen[url] = (now, remaining - 1)
    return Profiler()


def summary(obs: Observation, profiler: Profiler | None = None) -> dict[str, Any]:
    return {
        "hot_spots": profiler.hot_spots() if profiler is not None else [],
        "statements": [{"shape": s, "count": n} for s, n in obs.shapes(8)],
        "telegram": [{"method": c.method, "ms": c.ms, "error": c.error} for c in obs.telegram[:20]],
        "fallback": sorted(obs.fallbacks),
    }


async def _save(runtime: Runtime, reason: str, obs: Observation, data: dict[str, Any]) -> None:
    async with runtime.sessions.begin() as session:
        session.add(
            OpsProfile(
                reason=reason,
                update_id=obs.update_id,
                kind=obs.kind,
                handler=(obs.handler or "")[:160] or None,
                duration_ms=obs.duration_ms,
                sql_count=obs.sql,
                telegram_count=len(obs.telegram),
                summary=data,
            )
        )


async def store(runtime: Runtime, obs: Observation, profiler: Profiler) -> None:
    try:
        await _save(runtime, "profile", obs, summary(obs, profiler))
    except Exception:
        log.warning("profile of update %s not stored", obs.update_id, exc_info=True)


async def n_plus_one(runtime: Runtime, obs: Observation) -> None:
    """The alarm: a warning naming the handler and its most repeated statements."""
    shapes = obs.shapes(5)
    log.warning(
        "N+1 alarm: update %s (%s, handler %s) sent %d SQL statements (threshold %d); "
        "most repeated: %s",
        obs.update_id,
        obs.kind,
        obs.handler,
        obs.sql,
        runtime.settings.sql_alarm_statements,
        "; ".join(f"{n}× {s}" for s, n in shapes),
        extra={
            "ops": {
                "alarm": "n_plus_one",
                "update_id": obs.update_id,
                "handler": obs.handler,
                "sql": obs.sql,
                "shapes": [{"shape": s, "count": n} for s, n in shapes],
            }
        },
    )
    try:
        from lucien.ops.alerts import claim

        # The log line is written every time; the stored case once an hour per handler,
        # so a hot N+1 cannot grow the table without bound.
        if await claim(runtime, "n_plus_one", f"n_plus_one:{obs.handler}", utcnow()) is None:
            return
        await _save(runtime, "n_plus_one", obs, summary(obs))
    except Exception:
        log.warning("N+1 alarm of update %s not stored", obs.update_id, exc_info=True)


async def offenders(runtime: Runtime, limit: int = 5) -> list[dict[str, Any]]:
    """Handlers that tripped the alarm, worst first."""
    async with runtime.sessions() as session:
        rows = (
            await session.execute(
                select(
                    OpsProfile.handler,
                    func.count(),
                    func.max(OpsProfile.sql_count),
                )
                .where(OpsProfile.reason == "n_plus_one")
                .group_by(OpsProfile.handler)
                .order_by(func.max(OpsProfile.sql_count).desc())
                .limit(limit)
            )
        ).all()
    return [
        {"handler": handler or "?", "times": int(times), "max_sql": int(worst)}
        for handler, times, worst in rows
    ]


async def report(runtime: Runtime, limit: int = 50) -> dict[str, Any]:
    """What ``/profile`` shows: remaining requests, top hot spots, slowest handlers."""
    async with runtime.sessions() as session:
        remaining = int(
            await session.scalar(select(OpsState.value).where(OpsState.key == KEY)) or 0
        )
        profiles = list(
            (
                await session.execute(
                    select(OpsProfile)
                    .where(OpsProfile.reason == "profile")
                    .order_by(OpsProfile.id.desc())
                    .limit(limit)
                )
            ).scalars()
        )
    spots: dict[str, float] = {}
    handlers: dict[str, list[float]] = {}
    for p in profiles:
        for spot in (p.summary or {}).get("hot_spots", []):
            spots[spot["function"]] = spots.get(spot["function"], 0.0) + float(spot["own_ms"])
        handlers.setdefault(p.handler or p.kind, []).append(p.duration_ms)
    return {
        "remaining": remaining,
        "profiled": len(profiles),
        "hot_spots": sorted(spots.items(), key=lambda kv: kv[1], reverse=True)[:HOT_SPOTS],
        "slowest": sorted(
            ((h, max(d), len(d)) for h, d in handlers.items()), key=lambda t: t[1], reverse=True
        )[:5],
    }


@contextmanager
def pyinstrument_session() -> Iterator[Any]:
    from pyinstrument import Profiler as Pyinstrument

    profiler = Pyinstrument(async_mode="enabled")
    profiler.start()
    try:
        yield profiler
    finally:
        profiler.stop()


async def profile_one(runtime: Runtime, payload: dict[str, Any]) -> tuple[str, Observation]:
    """Run one update through the real pipeline under pyinstrument; its HTML and observation."""
    from lucien import pipeline
    from lucien.ops.observe import update_kind
    from lucien.ops.seam import instrument

    instrument(runtime)
    update_obj = pipeline.parse_update(runtime, payload)
    obs = Observation(kind=update_kind(update_obj), update_id=update_obj.update_id)
    with observing(obs), pyinstrument_session() as profiler:
        outcome = await pipeline.process_update(runtime, update_obj)
    obs.finish(outcome.value)
    return str(profiler.output_html()), obs
