"""audit trail: a hash version per event (the chain is keyed from here on), and on PostgreSQL
TRUNCATE refused like UPDATE and DELETE

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The append-only function of 0001 raises for whatever operation fired it; TRUNCATE fires
# statement-level triggers only. SQLite has no TRUNCATE (nor the row trigger).
NO_TRUNCATE = """
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
"""


def upgrade() -> None:
    # Every event written so far was hashed with plain SHA-256 (version 1); the app writes
    # HMAC-SHA256 events (version 2) from now on. Adding a column fires no row trigger.
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(
            sa.Column("hash_version", sa.SmallInteger(), server_default="1", nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NO_TRUNCATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("hash_version")
