"""The periodic job (``functions/cron_expiry.py``): reminders, expiries and removals, Free
approvals and clean-up. ``runner.run_cron`` runs it once and returns its summary."""
