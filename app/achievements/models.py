from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class AchievementStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


achievement_objective = Table(
    "achievement_objective",
    Base.metadata,
    Column("achievement_id", ForeignKey("achievement.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
)

achievement_indicator = Table(
    "achievement_indicator",
    Base.metadata,
    Column("achievement_id", ForeignKey("achievement.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
)

achievement_project = Table(
    "achievement_project",
    Base.metadata,
    Column("achievement_id", ForeignKey("achievement.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)


class Achievement(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A key achievement for a period ("celebrate success"): shared in reports once someone
    other than its author has approved it, and on the public pages where marked public."""

    __tablename__ = "achievement"

    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    period_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("period.id", ondelete="RESTRICT"), index=True
    )
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    is_public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AchievementStatus] = mapped_column(
        enum_column(AchievementStatus, "achievement_status"), default=AchievementStatus.DRAFT
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(String(320))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    approved_by_name: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None]
