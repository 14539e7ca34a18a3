from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import NO_INDICATOR, tracked
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class ProjectStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProjectRag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Project(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "project"
    # Their kind and org unit place budgets in the scorecard's spend, kept under the data
    # version (app.reports.service).
    __table_args__ = tracked(NO_INDICATOR)

    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), default=ProjectStatus.NOT_STARTED
    )
    # The manager's own assessment, with a reason; the derived one is computed from milestones.
    manager_rag: Mapped[ProjectRag | None] = mapped_column(enum_column(ProjectRag, "project_rag"))
    manager_rag_reason: Mapped[str | None] = mapped_column(Text)
    manager_rag_at: Mapped[datetime | None]


class Milestone(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "milestone"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date]
    completed_date: Mapped[date | None]
