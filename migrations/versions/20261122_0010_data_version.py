"""data version: a token every committed change renews, so computed statuses can be kept

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 05:30:00+00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    # A token of its own for every database, so two databases never look alike to a cache.
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("data_version")
