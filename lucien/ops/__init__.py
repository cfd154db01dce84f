"""Operating Lucien: per-update observation, structured logs, metrics, alerts, profiling and
the diagnostics behind ``/run_tests`` and ``lucien doctor``.

The pipeline knows nothing of this package beyond one seam: ``lucien.ops.seam.run_observed``
wraps ``process_update`` (webhook and polling) and ``observed_cron`` wraps ``run_cron``.
Heavy libraries (prometheus_client, pyinstrument, cProfile's pstats) are imported only when
a scrape, a profile or a report needs them, so the webhook's cold start does not pay for them.
"""
