"""drop the index on indicator_value.indicator_id: the unique (indicator_id, period_id) covers it

Every bulk push maintained both; lookups by indicator use the unique index's leading column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 05:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_value_indicator_id"))


def downgrade() -> None:
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_value_indicator_id"), ["indicator_id"], unique=False
        )
