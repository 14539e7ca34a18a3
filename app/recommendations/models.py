from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class RecommendationSource(StrEnum):
    INTERNAL_AUDIT = "internal_audit"
    EXTERNAL_INSPECTION = "external_inspection"
    REVIEW = "review"
    SCRUTINY = "scrutiny"
    PEER_CHALLENGE = "peer_challenge"
    OTHER = "other"


class RecommendationPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class RecommendationStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_ACCEPTED = "not_accepted"


class Recommendation(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A recommendation of an audit, inspection, review, scrutiny or peer challenge, tracked to
    implementation by the actions that answer it."""

    __tablename__ = "recommendation"

    source: Mapped[RecommendationSource] = mapped_column(
        enum_column(RecommendationSource, "recommendation_source")
    )
    reference: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    received_date: Mapped[date | None]
    priority: Mapped[RecommendationPriority] = mapped_column(
        enum_column(RecommendationPriority, "recommendation_priority")
    )
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    due_date: Mapped[date]
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"),
        default=RecommendationStatus.OPEN,
    )
    implemented_date: Mapped[date | None]
    implemented_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    implemented_by_name: Mapped[str | None] = mapped_column(String(320))
