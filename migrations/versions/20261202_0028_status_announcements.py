"""status announcements: the status last announced as status.changed per measure and period, so
the event goes out only when the RAG or a direction of travel moves (status_announcement)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 15:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.types import UTCDateTime

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_announcement",
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("period_id", sa.Uuid(), nullable=False),
        sa.Column("rag", sa.String(length=16), nullable=True),
        sa.Column("vs_previous", sa.String(length=16), nullable=True),
        sa.Column("vs_last_year", sa.String(length=16), nullable=True),
        sa.Column("announced_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_status_announcement_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["period.id"],
            name=op.f("fk_status_announcement_period_id_period"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "period_id", name=op.f("pk_status_announcement")),
    )


def downgrade() -> None:
    op.drop_table("status_announcement")
