from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import tracked
from app.core.clock import utcnow
from app.core.db import Base, IdMixin, VersionedMixin

DEFAULT_RUN_LENGTH = 6


class IndicatorSpcSetting(IdMixin, VersionedMixin, Base):
    """How one indicator's XmR chart is drawn; an indicator without a row uses the defaults.

    Recalculation points are kept as [{"period", "reason"}] by period code (codes never change,
    and periods are never deleted), so the whole setting is one row with one version (ETag).
    """

    __tablename__ = "indicator_spc_setting"
    __table_args__ = (
        CheckConstraint("run_length IN (6, 7)", name="run_length"),
        CheckConstraint("baseline IS NULL OR baseline >= 2", name="baseline"),
        tracked("indicator_id"),
    )

    indicator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), unique=True
    )
    run_length: Mapped[int] = mapped_column(default=DEFAULT_RUN_LENGTH)
    screen_outliers: Mapped[bool] = mapped_column(default=False)
    baseline: Mapped[int | None]
    recalculate_at: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None]


class SpcFit(Base):
    """The icons (and the last segment's lines) of one indicator's XmR chart up to a day,
    fitted once and kept under a digest of everything the fit was computed from: the approved
    values ending by then, the point targets starting by then, the chart settings and the
    indicator's frequency, polarity and aggregation (``app.spc.fits``). A fit whose digest
    matches its inputs as they stand is the fresh fit; one that does not is refitted. Derived,
    never a source: not tracked by ``app.core.changes``.
    """

    __tablename__ = "spc_fit"

    indicator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[date] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    variation_icon: Mapped[str | None] = mapped_column(String(32))
    assurance_icon: Mapped[str | None] = mapped_column(String(32))
    mean: Mapped[float | None] = mapped_column(Float)
    lower_limit: Mapped[float | None] = mapped_column(Float)
    upper_limit: Mapped[float | None] = mapped_column(Float)
    fitted_at: Mapped[datetime]
