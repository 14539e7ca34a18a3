"""audit trail: events sealed into the chain after their transaction commits (seq,
content_hash; prev_hash and hash null while pending), and the one update the append-only
trigger lets through: sealing a pending event, once

Revision ID: 0025
Revises: 0026
Create Date: 2026-12-02 04:30:00+00:00

Downgrading keeps the events of version 3 (the code before this migration reports them as
hash mismatches) and fails while any event is still pending: start the app once to seal them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTENT = (
    "id, occurred_at, actor_kind, actor_id, actor_name, action, entity_type, entity_id, "
    "before::text, after::text, reason, request_id, hash_version, content_hash"
)

# Sealing writes seq, prev_hash and hash into an event that has none yet, and changes nothing
# else; every other UPDATE, every DELETE and TRUNCATE are refused as before.
APPEND_ONLY_BUT_SEALING = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_LEVEL = 'ROW' AND TG_OP = 'UPDATE'
        AND OLD.seq IS NULL AND OLD.hash IS NULL AND OLD.prev_hash IS NULL
        AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
        AND ({", ".join("NEW." + c for c in _CONTENT.split(", "))})
            IS NOT DISTINCT FROM ({", ".join("OLD." + c for c in _CONTENT.split(", "))})
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
    # Every event so far was chained in id order: that is its place.
    if postgres:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    op.execute("UPDATE audit_event SET seq = id")
    if postgres:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
        op.execute(APPEND_ONLY_BUT_SEALING)
    with op.batch_alter_table("audit_event") as batch:
        batch.create_index("ix_audit_event_seq", ["seq"], unique=True)
        batch.create_index(
            "ix_audit_event_pending",
            ["id"],
            postgresql_where=sa.text("seq IS NULL"),
            sqlite_where=sa.text("seq IS NULL"),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index("ix_audit_event_pending")
        batch.drop_index("ix_audit_event_seq")
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("content_hash")
        batch.drop_column("seq")
