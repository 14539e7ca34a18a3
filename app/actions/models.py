from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Action(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A step in an action plan: a corrective action for a missed measure, or work towards an
    objective or against a risk."""

    __tablename__ = "action"
    __table_args__ = (Index("ix_action_indicator_id_period_id", "indicator_id", "period_id"),)

    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    # Optional: without one, the time-based RAG runs from the day the action was added.
    start_date: Mapped[date | None]
    due_date: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, "action_status"), default=ActionStatus.NOT_STARTED
    )
    percent_complete: Mapped[int] = mapped_column(default=0)
    completed_date: Mapped[date | None]
    # What the action answers: a measure in a period, an objective, a risk, a project, a
    # recommendation (any or none).
    indicator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("indicator.id", ondelete="SET NULL")
    )
    period_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("period.id", ondelete="RESTRICT")
    )
    objective_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("objective.id", ondelete="SET NULL"), index=True
    )
    risk_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("risk.id", ondelete="SET NULL"), index=True
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True
    )
    recommendation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("recommendation.id", ondelete="SET NULL"), index=True
    )


class ActionUpdate(IdMixin, Base):
    """A dated progress note on an action."""

    __tablename__ = "action_update"

    action_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("action.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text)
    update_date: Mapped[date]
    percent_complete: Mapped[int]
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, "action_status"))
    by_id: Mapped[uuid.UUID | None]
    by_name: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=utcnow)
