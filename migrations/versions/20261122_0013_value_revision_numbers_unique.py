"""value revision numbers are unique per value, as target revision numbers are

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 08:50:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("value_revision") as batch:
        batch.drop_index("ix_value_revision_value_id_number")
        batch.create_unique_constraint(
            op.f("uq_value_revision_value_id_number"), ["value_id", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("value_revision") as batch:
        batch.drop_constraint(op.f("uq_value_revision_value_id_number"), type_="unique")
        batch.create_index(
            "ix_value_revision_value_id_number", ["value_id", "number"], unique=False
        )
