"""Personal objectives and their appraisal reviews: private to the person, their line managers
up the chain, and admins (app.appraisals.service decides who that is)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class PersonalObjectiveStatus(StrEnum):
    DRAFT = "draft"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ReviewKind(StrEnum):
    MID_YEAR = "mid_year"
    END_OF_YEAR = "end_of_year"


class Rating(StrEnum):
    EXCEEDED = "exceeded"
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


# The golden thread's last link: a personal objective serves service plan objectives.
personal_objective_serves = Table(
    "personal_objective_serves",
    Base.metadata,
    Column(
        "personal_objective_id",
        ForeignKey("personal_objective.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class PersonalObjective(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "personal_objective"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None]
    status: Mapped[PersonalObjectiveStatus] = mapped_column(
        enum_column(PersonalObjectiveStatus, "personal_objective_status"),
        default=PersonalObjectiveStatus.AGREED,
    )
    progress: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class AppraisalReview(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A mid-year or end-of-year review of one personal objective: the manager's rating and
    comments, and the person's own comments beside them."""

    __tablename__ = "appraisal_review"
    __table_args__ = (UniqueConstraint("personal_objective_id", "kind"),)

    personal_objective_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("personal_objective.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind, "review_kind"))
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, "review_rating"))
    comments: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime]
    own_comments: Mapped[str | None] = mapped_column(Text)
    own_comments_at: Mapped[datetime | None]
