from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.changes import tracked
from app.core.clock import utcnow
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column
from app.measures.vocabulary import (
    Aggregation,
    Frequency,
    Polarity,
    Tolerance,
    ToleranceUnit,
    ValueStatus,
    ValueType,
)
from app.org.models import OrgUnit
from app.periods.models import Period
from app.users.models import User


class IndicatorStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


indicator_collector = Table(
    "indicator_collector",
    Base.metadata,
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Indicator(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "indicator"
    __table_args__ = tracked("id")

    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[str | None] = mapped_column(Text)
    data_source: Mapped[str | None] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(50))
    value_type: Mapped[ValueType] = mapped_column(enum_column(ValueType, "value_type"))
    decimal_places: Mapped[int]
    # The range a figure may take; null: what the value type allows (a percentage 0-100, a
    # count 0 or more, anything for other types).
    min_value: Mapped[Decimal | None]
    max_value: Mapped[Decimal | None]
    polarity: Mapped[Polarity] = mapped_column(enum_column(Polarity, "polarity"))
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "frequency"), index=True)
    aggregation: Mapped[Aggregation] = mapped_column(enum_column(Aggregation, "aggregation"))
    # All three null: the council-wide default tolerance applies.
    tolerance_unit: Mapped[ToleranceUnit | None] = mapped_column(
        enum_column(ToleranceUnit, "tolerance_unit")
    )
    green_within: Mapped[Decimal | None]
    amber_within: Mapped[Decimal | None]
    amber_if_improving: Mapped[bool] = mapped_column(default=False)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    is_key: Mapped[bool] = mapped_column(default=False, index=True)
    is_public: Mapped[bool] = mapped_column(default=False, index=True)
    is_national: Mapped[bool] = mapped_column(default=False)
    status: Mapped[IndicatorStatus] = mapped_column(
        enum_column(IndicatorStatus, "indicator_status"), default=IndicatorStatus.ACTIVE
    )
    retired_at: Mapped[datetime | None]

    org_unit: Mapped[OrgUnit] = relationship(lazy="raise")
    owner: Mapped[User | None] = relationship(lazy="raise")
    collectors: Mapped[list[User]] = relationship(secondary=indicator_collector, lazy="raise")

    def own_tolerance(self) -> Tolerance | None:
        """The indicator's own tolerance; None when the council default applies."""
        if self.tolerance_unit is None or self.green_within is None or self.amber_within is None:
            return None
        return Tolerance(
            unit=self.tolerance_unit, green_within=self.green_within, amber_within=self.amber_within
        )


class Target(IdMixin, VersionedMixin, Base):
    """The target in force for one indicator and period; its history is in TargetRevision."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("indicator_id", "period_id"), tracked("indicator_id"))

    indicator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), index=True
    )
    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    value: Mapped[Decimal | None]
    lower: Mapped[Decimal | None]
    upper: Mapped[Decimal | None]
    floor: Mapped[Decimal | None]
    reason: Mapped[str | None] = mapped_column(String(2000))
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    set_by_name: Mapped[str] = mapped_column(String(320))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    period: Mapped[Period] = relationship(lazy="raise")


class TargetRevision(IdMixin, Base):
    """Every state a target has had, oldest first: target history is never lost."""

    __tablename__ = "target_revision"
    __table_args__ = (UniqueConstraint("target_id", "number"),)

    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"))
    # The target's version this revision recorded: 1, 2, ... in the order the changes were made,
    # even when two fall within the same clock tick.
    number: Mapped[int]
    value: Mapped[Decimal | None]
    lower: Mapped[Decimal | None]
    upper: Mapped[Decimal | None]
    floor: Mapped[Decimal | None]
    reason: Mapped[str | None] = mapped_column(String(2000))
    changed_by_id: Mapped[uuid.UUID | None]
    changed_by_name: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorValue(IdMixin, VersionedMixin, Base):
    """The working copy of one indicator's value for one period, and its last approved figures.

    Reports read the approved_* columns, so a published figure stays published while a revision
    of it is drafted, submitted and approved.
    """

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "period_id"),
        Index("ix_indicator_value_period_id_status", "period_id", "status"),
        tracked("indicator_id"),
    )

    # No index of its own: the unique (indicator_id, period_id) serves lookups by indicator.
    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    value: Mapped[Decimal]
    numerator: Mapped[Decimal | None]
    denominator: Mapped[Decimal | None]
    commentary: Mapped[str | None] = mapped_column(Text)
    quality_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ValueStatus] = mapped_column(enum_column(ValueStatus, "value_status"))
    # Counts changes of the figures only (not workflow steps), so a verdict on them can tell
    # whether it still applies.
    figures_version: Mapped[int] = mapped_column(default=1, server_default="1")

    entered_by_id: Mapped[uuid.UUID | None]
    entered_by_name: Mapped[str] = mapped_column(String(320))
    entered_at: Mapped[datetime]
    submitted_by_id: Mapped[uuid.UUID | None]
    submitted_at: Mapped[datetime | None]
    first_submitted_at: Mapped[datetime | None]
    is_late: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[uuid.UUID | None]
    decided_by_name: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(2000))

    approved_value: Mapped[Decimal | None]
    approved_numerator: Mapped[Decimal | None]
    approved_denominator: Mapped[Decimal | None]
    approved_commentary: Mapped[str | None] = mapped_column(Text)
    approved_quality_flags: Mapped[list[str] | None] = mapped_column(JSON)
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[uuid.UUID | None]

    period: Mapped[Period] = relationship(lazy="raise")


class ValueRevision(IdMixin, Base):
    """Every step a value went through: who, when, what it became, and why."""

    __tablename__ = "value_revision"
    # Numbered 1, 2, ... per value; the constraint makes a lost race fail loudly.
    __table_args__ = (UniqueConstraint("value_id", "number"),)

    value_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator_value.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[ValueStatus] = mapped_column(enum_column(ValueStatus, "value_status"))
    value: Mapped[Decimal]
    numerator: Mapped[Decimal | None]
    denominator: Mapped[Decimal | None]
    commentary: Mapped[str | None] = mapped_column(Text)
    quality_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(String(2000))
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=utcnow)
