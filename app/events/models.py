"""The outbox: events written in the transaction of the change that causes them, and the
deliveries (an email, a webhook call) the worker makes of them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Base, IdMixin
from app.core.types import enum_column


class EventType(StrEnum):
    VALUE_SUBMITTED = "value.submitted"
    VALUE_APPROVED = "value.approved"
    VALUE_REJECTED = "value.rejected"
    VALUE_QUERIED = "value.queried"
    STATUS_CHANGED = "status.changed"
    TARGET_CHANGED = "target.changed"
    PERIOD_OPENED = "period.opened"
    PERIOD_CLOSED = "period.closed"
    FIGURE_DUE = "figure.due"
    FIGURE_OVERDUE = "figure.overdue"
    ACTION_OVERDUE = "action.overdue"
    RECOMMENDATION_DUE = "recommendation.due"
    RECOMMENDATION_OVERDUE = "recommendation.overdue"
    COMMENT_REPLIED = "comment.replied"


class WebhookEvent(StrEnum):
    """What an integrator may subscribe to (API.md, "Identity and events"); the other event
    types are for people."""

    VALUE_SUBMITTED = EventType.VALUE_SUBMITTED.value
    VALUE_APPROVED = EventType.VALUE_APPROVED.value
    VALUE_REJECTED = EventType.VALUE_REJECTED.value
    STATUS_CHANGED = EventType.STATUS_CHANGED.value
    TARGET_CHANGED = EventType.TARGET_CHANGED.value
    PERIOD_OPENED = EventType.PERIOD_OPENED.value
    PERIOD_CLOSED = EventType.PERIOD_CLOSED.value
    ACTION_OVERDUE = EventType.ACTION_OVERDUE.value


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class OutboxEvent(IdMixin, Base):
    """Something that happened, for the worker to turn into notifications and deliveries."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_dispatched_at", "dispatched_at", "occurred_at"),)

    event_type: Mapped[str] = mapped_column(String(64))
    # {"title", "body", "data"}: what a person reads and what an integrator receives.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The people to tell (user ids as text); webhooks are found when the event is dispatched.
    recipient_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Reminders the worker derives from the calendar are made once: the key says which.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]


class StatusAnnouncement(Base):
    """The status last announced as ``status.changed`` for a measure and period: the event
    goes out only when the RAG or a direction of travel differs from this (a revised figure
    that rates the same, or a target that moves nothing, is not news). Derived, never a
    source: not tracked by ``app.core.changes``."""

    __tablename__ = "status_announcement"

    indicator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    period_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("period.id", ondelete="CASCADE"), primary_key=True
    )
    # None: the measure had no RAG for the period (no value, not yet due).
    rag: Mapped[str | None] = mapped_column(String(16))
    vs_previous: Mapped[str | None] = mapped_column(String(16))
    vs_last_year: Mapped[str | None] = mapped_column(String(16))
    announced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(IdMixin, Base):
    """One email or webhook call to make, at least once, retried with backoff."""

    __tablename__ = "outbox_delivery"
    __table_args__ = (
        Index("ix_outbox_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_delivery_webhook_id_created_at", "webhook_id", "created_at"),
    )

    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "delivery_channel"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outbox_event.id", ondelete="CASCADE")
    )
    webhook_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    # An email: {"to", "subject", "body"}; a webhook call: the message body as sent.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # None: retried until it goes (an email is never given up on); else failed after this many.
    max_attempts: Mapped[int | None]
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
