from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Base, IdMixin
from app.core.types import enum_column


class Verdict(StrEnum):
    VERIFIED = "verified"
    QUERIED = "queried"


class ValueVerification(IdMixin, Base):
    """An auditor's verdict on a value; the latest one stands, all are kept."""

    __tablename__ = "value_verification"
    __table_args__ = (Index("ix_value_verification_value_id_at", "value_id", "at"),)

    value_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator_value.id", ondelete="CASCADE")
    )
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict, "verdict"))
    note: Mapped[str | None] = mapped_column(Text)
    # The figures the verdict was given on (IndicatorValue.figures_version), so a later
    # revision is visibly unverified while submitting and approving are not.
    value_version: Mapped[int]
    by_id: Mapped[uuid.UUID | None]
    by_name: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=utcnow)
