from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Base, IdMixin, VersionedMixin


class Narrative(IdMixin, VersionedMixin, Base):
    """What a directorate (or any org unit) says about its period, printed in the board pack."""

    __tablename__ = "report_narrative"
    __table_args__ = (UniqueConstraint("period_code", "org_unit_id"),)

    period_code: Mapped[str] = mapped_column(String(16))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
