from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey
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
