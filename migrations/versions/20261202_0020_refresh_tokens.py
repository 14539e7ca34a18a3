"""refresh tokens: one row per token issued to a person's sign-in, grouped by family

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-02 01:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.types

revision: str = "0020"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refresh_token",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=True),
        sa.Column("issued_at", app.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", app.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_refresh_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_refresh_token_token_digest")),
    )
    with op.batch_alter_table("refresh_token") as batch:
        batch.create_index(batch.f("ix_refresh_token_family_id"), ["family_id"], unique=False)
        batch.create_index(batch.f("ix_refresh_token_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_token") as batch:
        batch.drop_index(batch.f("ix_refresh_token_user_id"))
        batch.drop_index(batch.f("ix_refresh_token_family_id"))
    op.drop_table("refresh_token")
