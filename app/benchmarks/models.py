from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import tracked
from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin


class Benchmark(IdMixin, TimestampMixin, VersionedMixin, Base):
    """What comparable councils achieved for one indicator and period (LG Inform, CIPFA...)."""

    __tablename__ = "benchmark"
    __table_args__ = (UniqueConstraint("indicator_id", "period_id"), tracked("indicator_id"))

    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(500))
    national_median: Mapped[Decimal | None]
    upper_quartile: Mapped[Decimal | None]
    lower_quartile: Mapped[Decimal | None]
    # [{"name": ..., "value": "12.5"}]: values kept as decimal text, so they stay exact in JSON.
    comparators: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    set_by_name: Mapped[str] = mapped_column(String(320))
