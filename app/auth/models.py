from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin


class LoginFailure(IdMixin, Base):
    """A failed sign-in, counted per account and per client address to throttle guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_failed_at", "key", "failed_at"),)

    key: Mapped[str] = mapped_column(String(400))
    failed_at: Mapped[datetime]
