from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import EVERY, tracked
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.core.types import enum_column
from app.periods.calendar import PeriodKind


class PeriodStatus(StrEnum):
    FUTURE = "future"
    OPEN = "open"
    CLOSED = "closed"


class Period(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "period"
    __table_args__ = (
        Index("ix_period_financial_year_kind", "financial_year", "kind"),
        tracked(EVERY),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind, "period_kind"))
    financial_year: Mapped[str] = mapped_column(String(7))
    start_year: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date]
    status: Mapped[PeriodStatus] = mapped_column(
        enum_column(PeriodStatus, "period_status"), default=PeriodStatus.FUTURE
    )
    data_due_date: Mapped[date]
    board_date: Mapped[date | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
