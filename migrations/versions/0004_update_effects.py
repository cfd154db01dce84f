"""update effects journal

Revision ID: 0004_update_effects
Revises: 0003_cron_outages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.db.models

revision: str = "0004_update_effects"
down_revision: str | None = "0003_cron_outages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_effects",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", lucien.db.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", "key", name=op.f("pk_update_effects")),
    )
    with op.batch_alter_table("update_effects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_update_effects_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("update_effects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_effects_created_at"))
    op.drop_table("update_effects")
