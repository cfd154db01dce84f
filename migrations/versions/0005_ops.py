"""operations: metrics counters, shared switches, profiles, alerts, alert opt-outs

Revision ID: 0005_ops
Revises: 0004_update_effects
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.db.models

revision: str = "0005_ops"
down_revision: str | None = "0004_update_effects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ops_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ops_counters")),
    )
    op.create_table(
        "ops_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", lucien.db.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ops_state")),
    )
    op.create_table(
        "ops_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", lucien.db.models.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("handler", sa.String(length=160), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("sql_count", sa.Integer(), nullable=False),
        sa.Column("telegram_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_profiles")),
    )
    with op.batch_alter_table("ops_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_profiles_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_ops_profiles_reason"), ["reason"])
    op.create_table(
        "ops_alerts",
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("last_sent_at", lucien.db.models.UTCDateTime(), nullable=False),
        sa.Column("suppressed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_ops_alerts")),
    )
    op.create_table(
        "alert_optouts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", lucien.db.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_optouts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_alert_optouts")),
    )


def downgrade() -> None:
    op.drop_table("alert_optouts")
    op.drop_table("ops_alerts")
    with op.batch_alter_table("ops_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ops_profiles_reason"))
        batch_op.drop_index(batch_op.f("ix_ops_profiles_created_at"))
    op.drop_table("ops_profiles")
    op.drop_table("ops_state")
    op.drop_table("ops_counters")
