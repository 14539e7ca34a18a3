"""line managers, personal objectives serving service objectives, and their appraisal reviews

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 01:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.core.types

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manager_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_account_manager_id"), ["manager_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_manager_id_user_account"),
            "user_account",
            ["manager_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "personal_objective",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            _enum(
                "personal_objective_status",
                "draft",
                "agreed",
                "in_progress",
                "completed",
                "withdrawn",
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_personal_objective_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_personal_objective_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_objective")),
    )
    with op.batch_alter_table("personal_objective", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_objective_user_id"), ["user_id"])
        batch_op.create_index(
            batch_op.f("ix_personal_objective_financial_year"), ["financial_year"]
        )

    op.create_table(
        "personal_objective_serves",
        sa.Column("personal_objective_id", sa.Uuid(), nullable=False),
        sa.Column("objective_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["personal_objective_id"],
            ["personal_objective.id"],
            name=op.f("fk_personal_objective_serves_personal_objective_id_personal_objective"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objective.id"],
            name=op.f("fk_personal_objective_serves_objective_id_objective"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "personal_objective_id", "objective_id", name=op.f("pk_personal_objective_serves")
        ),
    )
    with op.batch_alter_table("personal_objective_serves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_objective_serves_objective_id"), ["objective_id"]
        )

    op.create_table(
        "appraisal_review",
        sa.Column("personal_objective_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("review_kind", "mid_year", "end_of_year"), nullable=False),
        sa.Column(
            "rating",
            _enum("review_rating", "exceeded", "met", "partly_met", "not_met"),
            nullable=False,
        ),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", app.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("own_comments", sa.Text(), nullable=True),
        sa.Column("own_comments_at", app.core.types.UTCDateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["personal_objective_id"],
            ["personal_objective.id"],
            name=op.f("fk_appraisal_review_personal_objective_id_personal_objective"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_appraisal_review_reviewer_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_review")),
        sa.UniqueConstraint(
            "personal_objective_id",
            "kind",
            name=op.f("uq_appraisal_review_personal_objective_id_kind"),
        ),
    )
    with op.batch_alter_table("appraisal_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appraisal_review_personal_objective_id"), ["personal_objective_id"]
        )


def downgrade() -> None:
    op.drop_table("appraisal_review")
    op.drop_table("personal_objective_serves")
    op.drop_table("personal_objective")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_manager_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_user_account_manager_id"))
        batch_op.drop_column("manager_id")
