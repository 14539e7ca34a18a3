from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column


class RiskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


risk_objective = Table(
    "risk_objective",
    Base.metadata,
    Column("risk_id", ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
)

_SCORES = ("inherent", "current", "target")


class Risk(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "risk"
    __table_args__ = tuple(
        CheckConstraint(f"{part}_{axis} BETWEEN 1 AND 5", name=f"{part}_{axis}_range")
        for part in _SCORES
        for axis in ("likelihood", "impact")
    )

    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    cause: Mapped[str | None] = mapped_column(Text)
    effect: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    inherent_likelihood: Mapped[int]
    inherent_impact: Mapped[int]
    current_likelihood: Mapped[int]
    current_impact: Mapped[int]
    target_likelihood: Mapped[int]
    target_impact: Mapped[int]
    controls: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[date | None]
    status: Mapped[RiskStatus] = mapped_column(
        enum_column(RiskStatus, "risk_status"), default=RiskStatus.OPEN
    )
