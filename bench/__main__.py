"""Run every benchmark: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

import importlib
import sys

BENCHES = [
    "bench.cold_start",
    "bench.update_latency",
    "bench.load",
    "bench.journal_cost",
    "bench.ops_overhead",
    "bench.cron_throughput",
    "bench.data_migration",
]

if __name__ == "__main__":
    for name in sys.argv[1:] or BENCHES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            print(f"{name}: not available ({exc})")
            continue
        module.main()
