"""The access lifecycle: plans, invitations, redemption, the entry ritual, personal links,
channel membership and Free join requests.

Services only: they take a session (or the runtime when Telegram is involved), hold all the
SQL, and never contain user-facing text. Every state change is a conditional ``UPDATE`` or
an insert-ignore on a unique key, so concurrent requests and cron runs cannot both win.
Telegram is always called with no database transaction open.
"""
