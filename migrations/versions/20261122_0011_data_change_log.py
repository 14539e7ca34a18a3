"""data change log: which indicators each committed change bore on, so statuses are recomputed
only for those

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 08:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_version") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False))
    table = op.create_table(
        "data_change",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("indicators", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_data_change")),
    )
    # The current version opens the log, so a reader holding it can follow what comes next.
    token = op.get_bind().execute(sa.text("SELECT token FROM data_version WHERE id = 1")).scalar()
    if token is not None:
        op.bulk_insert(table, [{"seq": 0, "token": token, "indicators": "[]"}])


def downgrade() -> None:
    op.drop_table("data_change")
    with op.batch_alter_table("data_version") as batch:
        batch.drop_column("seq")
