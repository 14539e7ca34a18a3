"""target revisions are numbered: history keeps the order changes were made in, even when two
fall within the same clock tick

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 08:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Existing revisions are numbered in the order they were listed before: by time, then id.
_NUMBER_EXISTING = """
UPDATE target_revision SET number = (
    SELECT COUNT(*) FROM target_revision AS earlier
    WHERE earlier.target_id = target_revision.target_id
      AND (earlier.changed_at < target_revision.changed_at
           OR (earlier.changed_at = target_revision.changed_at
               AND earlier.id <= target_revision.id))
)
"""


def upgrade() -> None:
    with op.batch_alter_table("target_revision") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(_NUMBER_EXISTING)
    with op.batch_alter_table("target_revision") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.drop_index("ix_target_revision_target_id_changed_at")
        batch.create_unique_constraint(
            op.f("uq_target_revision_target_id_number"), ["target_id", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("target_revision") as batch:
        batch.drop_constraint(op.f("uq_target_revision_target_id_number"), type_="unique")
        batch.create_index(
            "ix_target_revision_target_id_changed_at", ["target_id", "changed_at"], unique=False
        )
        batch.drop_column("number")
