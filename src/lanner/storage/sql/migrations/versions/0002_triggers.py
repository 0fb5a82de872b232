"""Triggers: the scheduler's per-trigger state, and the queue of ended executions that Flow
triggers react to.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of the types in schema.py as of this revision.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "triggers",
        sa.Column("namespace", sa.String(), primary_key=True),
        sa.Column("flow_id", sa.String(), primary_key=True),
        sa.Column("trigger_id", sa.String(), primary_key=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("next_date", TIMESTAMP),
        sa.Column("last_date", TIMESTAMP),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("execution_id", sa.String()),
        sa.Column("locked_by", sa.String()),
        sa.Column("locked_until", TIMESTAMP),
        sa.Column("data", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "trigger_events",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("namespace", sa.String(), nullable=False),
        sa.Column("flow_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created", TIMESTAMP, nullable=False),
        sa.Column("data", JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trigger_events")
    op.drop_table("triggers")
