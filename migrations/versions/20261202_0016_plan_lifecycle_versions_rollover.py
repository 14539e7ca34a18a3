"""plans have a lifecycle (draft, submitted, approved, archived), an owner, an author, a
financial year (service plans), numbered versions whose approved states are kept, and the plan
they were rolled over from

Revision ID: 0016
Revises: 0021
Create Date: 2026-12-02 01:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.types

revision: str = "0016"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ("draft", "approved", "archived")
_NEW = ("draft", "submitted", "approved", "archived")

# A service plan is for the financial year it starts in (its start_year), written 2025-26.
_SERVICE_YEARS = """
UPDATE plan SET financial_year =
    CAST(start_year AS VARCHAR(4)) || '-' || SUBSTR(CAST(start_year + 1 AS VARCHAR(4)), 3, 2)
WHERE kind = 'service'
"""


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="plan_status", native_enum=False, create_constraint=True, length=32
    )


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.alter_column(
            "status", existing_type=_status(_OLD), type_=_status(_NEW), existing_nullable=False
        )
        batch.add_column(sa.Column("financial_year", sa.String(length=7), nullable=True))
        batch.add_column(sa.Column("owner_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("created_by_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("version_number", sa.Integer(), server_default="1", nullable=False)
        )
        batch.add_column(sa.Column("submitted_by_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("submitted_at", app.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("approved_by_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("approved_by_name", sa.String(length=320), nullable=True))
        batch.add_column(
            sa.Column("approved_at", app.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("rolled_from_id", sa.Uuid(), nullable=True))
        batch.create_index(batch.f("ix_plan_financial_year"), ["financial_year"], unique=False)
        batch.create_index(batch.f("ix_plan_rolled_from_id"), ["rolled_from_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_plan_owner_id_user_account"),
            "user_account",
            ["owner_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            batch.f("fk_plan_created_by_id_user_account"),
            "user_account",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            batch.f("fk_plan_rolled_from_id_plan"),
            "plan",
            ["rolled_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(_SERVICE_YEARS)
    op.create_table(
        "plan_version",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by_name", sa.String(length=320), nullable=True),
        sa.Column("approved_at", app.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_version_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_plan_version_plan_id_number")),
    )


def downgrade() -> None:
    op.drop_table("plan_version")
    # A plan awaiting approval goes back to draft: the older schema has no such step.
    op.execute("UPDATE plan SET status = 'draft' WHERE status = 'submitted'")
    with op.batch_alter_table("plan") as batch:
        batch.drop_constraint(batch.f("fk_plan_rolled_from_id_plan"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_plan_created_by_id_user_account"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_plan_owner_id_user_account"), type_="foreignkey")
        batch.drop_index(batch.f("ix_plan_rolled_from_id"))
        batch.drop_index(batch.f("ix_plan_financial_year"))
        for column in (
            "rolled_from_id",
            "approved_at",
            "approved_by_name",
            "approved_by_id",
            "submitted_at",
            "submitted_by_id",
            "version_number",
            "created_by_id",
            "owner_id",
            "financial_year",
        ):
            batch.drop_column(column)
        batch.alter_column(
            "status", existing_type=_status(_NEW), type_=_status(_OLD), existing_nullable=False
        )
