from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import NO_INDICATOR, tracked
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import ExactDecimal


class Budget(IdMixin, TimestampMixin, VersionedMixin, Base):
    """The budget lines of one service plan or project for one financial year; its version is
    the ETag a PUT of the year's lines is checked against."""

    __tablename__ = "budget"
    __table_args__ = (
        UniqueConstraint("plan_id", "financial_year"),
        UniqueConstraint("project_id", "financial_year"),
        CheckConstraint("(plan_id IS NULL) <> (project_id IS NULL)", name="plan_or_project"),
        # The scorecard's spend is kept under the data version (app.reports.service).
        tracked(NO_INDICATOR),
    )

    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plan.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    financial_year: Mapped[str] = mapped_column(String(7), index=True)


class BudgetLine(IdMixin, Base):
    """One line: a category's budget, forecast outturn and actual spend to date, in pounds."""

    __tablename__ = "budget_line"
    __table_args__ = (UniqueConstraint("budget_id", "category"), tracked(NO_INDICATOR))

    budget_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("budget.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    category: Mapped[str] = mapped_column(String(200))
    budget: Mapped[Decimal] = mapped_column(ExactDecimal)
    forecast: Mapped[Decimal] = mapped_column(ExactDecimal)
    actual: Mapped[Decimal] = mapped_column(ExactDecimal)
