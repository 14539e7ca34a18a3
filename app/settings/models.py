from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import EVERY, tracked
from app.core.clock import utcnow
from app.core.db import Base, VersionedMixin


class CouncilSetting(VersionedMixin, Base):
    """A council-wide setting that admins change at run time (start-up settings are env vars)."""

    __tablename__ = "council_setting"
    __table_args__ = tracked(EVERY)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None]
