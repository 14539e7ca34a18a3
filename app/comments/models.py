from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.changes import tracked
from app.core.clock import utcnow
from app.core.db import Base, IdMixin


class Comment(IdMixin, Base):
    """A scrutiny question or an officer's answer on an indicator, usually for one period."""

    __tablename__ = "indicator_comment"
    __table_args__ = (
        Index("ix_indicator_comment_indicator_id_period_id", "indicator_id", "period_id"),
        tracked("indicator_id"),
    )

    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    period_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("period.id", ondelete="RESTRICT")
    )
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("indicator_comment.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None]
    author_name: Mapped[str] = mapped_column(String(320))
    author_role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
