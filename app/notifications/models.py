"""What each person has been told (in-app, with read state) and how they want email."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Base, IdMixin
from app.core.types import enum_column


class EmailPreference(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"


class Notification(IdMixin, Base):
    """One event, as one person sees it in /me/notifications."""

    __tablename__ = "notification"
    __table_args__ = (
        # One notification per person and event, however often the event is dispatched.
        UniqueConstraint("user_id", "event_id"),
        Index("ix_notification_user_id_created_at", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Waiting for the person's daily digest email.
    digest_pending: Mapped[bool] = mapped_column(default=False)


class NotificationSetting(Base):
    """A person's choice of email; no row means the default, immediate."""

    __tablename__ = "notification_setting"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[EmailPreference] = mapped_column(
        enum_column(EmailPreference, "email_preference"), default=EmailPreference.IMMEDIATE
    )
    last_digest_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
