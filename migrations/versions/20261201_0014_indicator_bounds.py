"""indicators say what their figures may be: min_value and max_value

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("min_value", app.core.types.ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("max_value", app.core.types.ExactDecimal(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.drop_column("max_value")
        batch.drop_column("min_value")
