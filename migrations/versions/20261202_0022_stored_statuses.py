"""stored statuses: computed once and read by every worker (status_snapshot, stored_status)

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-02 01:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.types import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_snapshot",
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due", sa.Boolean(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_status_snapshot")),
    )
    op.create_table(
        "stored_status",
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("rag", sa.String(length=16), nullable=True),
        sa.Column("internal", sa.Text(), nullable=False),
        sa.Column("external", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("period", "indicator_id", name=op.f("pk_stored_status")),
    )


def downgrade() -> None:
    op.drop_table("stored_status")
    op.drop_table("status_snapshot")
