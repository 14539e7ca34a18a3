"""Computed statuses kept in the database, so that every worker reads what one computed.

``status_snapshot`` has one row per period: the data version its stored statuses were computed
at (or later: each is at least as new) and the due date they were judged by. ``stored_status``
holds those statuses, one row per indicator, as the JSON the scorecard writes (the variant for
readers who see working copies, and the other variant only where it differs). Neither table is
tracked by ``app.core.changes``: they are derived, never a source of a status.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base


class StatusSnapshot(Base):
    __tablename__ = "status_snapshot"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(32))
    due_date: Mapped[date]
    due: Mapped[bool]
    computed_at: Mapped[datetime]


class StoredStatus(Base):
    __tablename__ = "stored_status"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    indicator_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_unit_id: Mapped[uuid.UUID]
    approved: Mapped[bool]
    rag: Mapped[str | None] = mapped_column(String(16))
    internal: Mapped[str] = mapped_column(Text)
    # NULL: the same as ``internal``.
    external: Mapped[str | None] = mapped_column(Text)
