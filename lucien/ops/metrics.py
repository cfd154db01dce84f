"""Counters that hold across stateless instances, and their Prometheus exposition.

A Railway replica or a Lambda container lives a few minutes and may never see a scrape, so
counts do not live in process memory for long: updates add their samples to one shared
place — a Redis hash (``HINCRBYFLOAT``, one pipelined round trip at most every
``REDIS_FLUSH_SECONDS`` per process) or, without Redis, the ``ops_counters`` table (one
multi-row upsert, at most every ``FLUSH_SECONDS`` per process).
``GET /metrics`` reads the totals back and renders them with ``prometheus_client``; any
instance answers for the whole deployment.

A sample key is the Prometheus series itself, ``name{label="value",…}``; label values come
from fixed vocabularies (update kinds, outcomes, Bot API method names, exception class
names, cron steps), never from what a person typed.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from lucien.ops.observe import Observation, note_fallback

if TYPE_CHECKING:
    from lucien.runtime import Runtime

log = logging.getLogger(__name__)

#: Update latency buckets, seconds.
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HELP = {
    "lucien_updates_total": ("counter", "Updates handled, by kind and outcome."),
    "lucien_update_duration_seconds": ("histogram", "Time to settle one update."),
    "lucien_sql_statements_total": ("counter", "SQL statements sent while handling updates."),
    "lucien_telegram_calls_total": ("counter", "Bot API calls, by method and error class."),
    "lucien_cron_rows_total": ("counter", "Rows the cron handled, by step and outcome."),
    "lucien_cron_runs_total": ("counter", "Cron runs, by status."),
    "lucien_cache_requests_total": ("counter", "Cache lookups, by cache and result."),
    "lucien_fallback_activations_total": (
        "counter",
        "Units of work that used the database because Redis was unreachable, by store.",
    ),
    "lucien_sql_alarms_total": ("counter", "Updates over the SQL statement threshold (N+1)."),
    "lucien_alerts_sent_total": ("counter", "Alerts sent to custodians, by kind."),
}

#: Sample key → amount to add.
Samples = dict[str, float]

_SAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def series(name: str, **labels: str) -> str:
    inner = ",".join(f'{k}="{_SAFE.sub("_", str(v))[:60]}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def update_samples(obs: Observation) -> Samples:
    out: Samples = defaultdict(float)
    out[series("lucien_updates_total", kind=obs.kind, outcome=obs.outcome or "unknown")] += 1
    seconds = obs.duration_ms / 1000
    bucket = next((b for b in BUCKETS if seconds <= b), None)
    out[series("lucien_update_duration_seconds_bucket", le=str(bucket) if bucket else "+Inf")] += 1
    out["lucien_update_duration_seconds_sum"] += seconds
    out["lucien_update_duration_seconds_count"] += 1
    out["lucien_sql_statements_total"] += obs.sql
    _common(out, obs)
    return out


def cron_samples(summary: dict[str, Any], obs: Observation) -> Samples:
    out: Samples = defaultdict(float)
    out[series("lucien_cron_runs_total", status=str(summary.get("status")))] += 1
    for step, counts in (summary.get("counts") or {}).items():
        for outcome, n in counts.items():
            if isinstance(n, int) and n:
                out[series("lucien_cron_rows_total", step=step, outcome=outcome)] += n
    _common(out, obs)
    return out


_cache_exported: dict[str, int] = {}


def cache_delta() -> dict[tuple[str, str], int]:
    """What the cache layer (``lucien.cache.stats``, process-wide counters such as
    ``config_hit``) counted since the last call. Taken as one read-and-reset with no await in
    between, so overlapping updates in one process never count a lookup twice. Nothing is
    imported: without the cache layer loaded there is nothing to count."""
    import sys

    module = sys.modules.get("lucien.cache")
    stats = getattr(module, "stats", None)
    if not stats:
        return {}
    out: dict[tuple[str, str], int] = {}
    for key, value in list(stats.items()):
        new = int(value) - _cache_exported.get(key, 0)
        if new > 0:
            cache, _, result = str(key).rpartition("_")
            out[(cache or str(key), result)] = new
        _cache_exported[key] = int(value)
    return out


def _common(out: Samples, obs: Observation) -> None:
    for call in obs.telegram:
        out[series("lucien_telegram_calls_total", method=call.method, error=call.error or "")] += 1
    for (cache, result), n in obs.cache.items():
        out[series("lucien_cache_requests_total", cache=cache, result=result)] += n
    for (cache, result), n in cache_delta().items():
        out[series("lucien_cache_requests_total", cache=cache, result=result)] += n
    for store in obs.fallbacks:
        out[series("lucien_fallback_activations_total", store=store)] += 1


def metrics_key(runtime: Runtime) -> str:
    return runtime.settings.redis_prefix + "metrics"


#: Without Redis, a process adds its samples to the database at most this often: a write
#: transaction per update would cost more than the rest of the observation together.
FLUSH_SECONDS = 10.0
_pending: dict[str, tuple[float, Samples]] = {}  # database URL → (first buffered at, samples)

#: With Redis, at most this often. One pipelined round trip per update was about 4 % of a
#: warm ``/start``'s CPU (eight ``HINCRBYFLOAT`` packed and sent; each socket write is
#: dear on a small VM); batched, a busy process sends one per second for all its updates.
#: Samples are written by the first update after the interval, so a scrape answered by
#: another instance misses this process's last second of counts until its next update
#: (a scrape this process answers flushes first; the cron flushes at once).
REDIS_FLUSH_SECONDS = 1.0
_pending_redis: dict[str, tuple[float, Samples]] = {}  # Redis hash → (first buffered at, samples)


def _redis_buffer(runtime: Runtime) -> str:
    return f"{runtime.settings.redis_url}|{metrics_key(runtime)}"


async def record(runtime: Runtime, samples: Samples, *, flush: bool = False) -> None:
    """Add ``samples`` to the shared totals; never raises (metrics must not fail an update).

    Both stores take them in batches: they wait in this process for up to
    ``REDIS_FLUSH_SECONDS`` (Redis) or ``FLUSH_SECONDS`` (the database; ``flush`` writes
    now), so a Lambda container reaped right after an update may lose those last counts.
    """
    samples = {k: v for k, v in samples.items() if v}
    if not samples and not flush:
        return
    redis = runtime.redis()
    if redis is not None:
        url = _redis_buffer(runtime)
        since, buffered = _pending_redis.get(url, (time.monotonic(), defaultdict(float)))
        for key, value in samples.items():
            buffered[key] += value
        _pending_redis[url] = (since, buffered)
        if not flush and time.monotonic() - since < REDIS_FLUSH_SECONDS:
            return
        del _pending_redis[url]
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for key, value in buffered.items():
                    pipe.hincrbyfloat(metrics_key(runtime), key, float(value))
                await pipe.execute()
            return
        except Exception as exc:
            note_fallback("metrics")
            log.warning("metrics: redis unavailable, using the database (%s)", type(exc).__name__)
            samples = buffered
    url = runtime.settings.database_url
    since, buffered = _pending.get(url, (time.monotonic(), defaultdict(float)))
    for key, value in samples.items():
        buffered[key] += value
    _pending[url] = (since, buffered)
    if flush or time.monotonic() - since >= FLUSH_SECONDS:
        await flush_pending(runtime)


async def flush_pending(runtime: Runtime) -> None:
    """Write this process's buffered samples to their stores (never raises)."""
    if runtime.redis() is not None and _redis_buffer(runtime) in _pending_redis:
        await record(runtime, {}, flush=True)
    _since, buffered = _pending.pop(runtime.settings.database_url, (0.0, {}))
    if not buffered:
        return
    try:
        await _record_db(runtime, buffered)
    except Exception:
        log.warning("metrics could not be recorded", exc_info=True)


async def _record_db(runtime: Runtime, samples: Samples) -> None:
    from lucien.db.models import OpsCounter
    from lucien.db.upsert import insert_for

    async with runtime.sessions.begin() as session:
        stmt = insert_for(session, OpsCounter).values(
            [{"key": k, "value": float(v)} for k, v in sorted(samples.items())]
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["key"], set_={"value": OpsCounter.value + stmt.excluded.value}
            )
        )


async def totals(runtime: Runtime) -> dict[str, float]:
    """Every sample's total: the database's plus Redis's (fallbacks land in the database)."""
    from sqlalchemy import select

    from lucien.db.models import OpsCounter

    await flush_pending(runtime)
    found: Samples = defaultdict(float)
    async with runtime.sessions() as session:
        for key, value in (await session.execute(select(OpsCounter.key, OpsCounter.value))).all():
            found[key] += value
    redis = runtime.redis()
    if redis is not None:
        try:
            stored = await redis.hgetall(metrics_key(runtime))
            for raw_key, raw_value in stored.items():
                name = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
                found[name] += float(raw_value)
        except Exception as exc:
            log.warning("metrics: redis unavailable for the scrape (%s)", type(exc).__name__)
    return dict(found)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')


def render(values: dict[str, float]) -> bytes:
    """The Prometheus text format of ``values``, through prometheus_client's own writer."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

    grouped: dict[str, list[tuple[str, dict[str, str], float]]] = {}
    for key, value in values.items():
        match = _SAMPLE.match(key)
        if match is None:
            continue
        name, raw = match.groups()
        labels = dict(_LABEL.findall(raw or ""))
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        family = base if base in HELP else name.removesuffix("_total") + "_total"
        grouped.setdefault(family, []).append((name, labels, value))

    families: list[Any] = []
    for family in sorted(set(HELP) | set(grouped)):
        kind, doc = HELP.get(family, ("counter", family))
        samples = grouped.get(family, [])
        if kind == "histogram":
            per_bucket = {s[1].get("le"): s[2] for s in samples if s[0].endswith("_bucket")}
            running, buckets = 0.0, []
            for bound in [*(str(b) for b in BUCKETS), "+Inf"]:
                running += per_bucket.get(bound, 0.0)
                buckets.append((bound, running))
            total = sum(s[2] for s in samples if s[0].endswith("_sum"))
            histogram = HistogramMetricFamily(family, doc, labels=[])
            histogram.add_metric([], buckets, total)
            families.append(histogram)
            continue
        label_names = sorted({k for s in samples for k in s[1]})
        counter = CounterMetricFamily(family.removesuffix("_total"), doc, labels=label_names)
        for _, labels, value in samples:
            counter.add_metric([labels.get(k, "") for k in label_names], value)
        families.append(counter)

    class _Snapshot:
        def collect(self) -> list[Any]:
            return families

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot())  # type: ignore[arg-type]
    return bytes(generate_latest(registry))
