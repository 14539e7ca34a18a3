"""spc fits: each series' XmR icons and lines kept under a digest of their inputs (spc_fit)

Revision ID: 0026
Revises: 0018
Create Date: 2026-12-02 04:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.types import UTCDateTime

revision: str = "0026"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spc_fit",
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("variation_icon", sa.String(length=32), nullable=True),
        sa.Column("assurance_icon", sa.String(length=32), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("lower_limit", sa.Float(), nullable=True),
        sa.Column("upper_limit", sa.Float(), nullable=True),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_spc_fit_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "until", name=op.f("pk_spc_fit")),
    )


def downgrade() -> None:
    op.drop_table("spc_fit")
