"""cron under outages: stuck-removal reports, shared Telegram pacing

Revision ID: 0003_cron_outages
Revises: 0002_dead_letters
Create Date: 2026-11-28 18:00:00

Periods left as ``removal_failed`` by the old give-up rule go back to ``active`` so the
cron keeps retrying them (never silently left with VIP access).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.db.models

revision: str = "0003_cron_outages"
down_revision: str | None = "0002_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_pacing",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("next_at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_telegram_pacing")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("removal_reported_at", lucien.db.models.UTCDateTime(), nullable=True)
        )
    op.execute(
        "UPDATE subscriptions SET status = 'active', removal_next_at = NULL "
        "WHERE status = 'removal_failed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("removal_reported_at")
    op.drop_table("telegram_pacing")
