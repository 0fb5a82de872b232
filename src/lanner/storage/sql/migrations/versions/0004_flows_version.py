"""A counter of flow changes, so a scheduler pass reads the flows only when they changed.

``flows_version`` holds one row; a trigger on ``flows`` adds one to it in the transaction of
every insert, update or delete (saved revisions, deletions, prunes, rollbacks, from any
process). A scheduler reads the counter at each pass (one row) instead of every deployed
flow (10,000 rows: tens of milliseconds, every second and after every ended execution).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION lanner_flows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I.flows_version SET version = version + 1 WHERE id = 1', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER flows_changed AFTER INSERT OR UPDATE OR DELETE ON flows"
    " FOR EACH STATEMENT EXECUTE FUNCTION lanner_flows_changed()"
)
_SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "flows_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO flows_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for event in _SQLITE_EVENTS:
            op.execute(
                f"CREATE TRIGGER flows_{event.lower()}_counted AFTER {event} ON flows"
                " BEGIN UPDATE flows_version SET version = version + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS flows_changed ON flows")
        op.execute("DROP FUNCTION IF EXISTS lanner_flows_changed()")
    else:
        for event in _SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS flows_{event.lower()}_counted")
    op.drop_table("flows_version")
