from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin

committee_indicator = Table(
    "committee_indicator",
    Base.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
)
committee_plan = Table(
    "committee_plan",
    Base.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("plan_id", ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True),
)
committee_risk = Table(
    "committee_risk",
    Base.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_id", ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True),
)


class Committee(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A board or committee the council reports to (Cabinet, Overview and Scrutiny, ...)."""

    __tablename__ = "committee"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
