from __future__ import annotations

import uuid
from datetime import datetime

from app.core.schemas import ResponseSchema
from app.events.models import Channel, Delivery, DeliveryStatus


class DeliveryRead(ResponseSchema):
    id: uuid.UUID
    channel: Channel
    event_type: str
    event_id: uuid.UUID | None
    webhook_id: uuid.UUID | None
    user_id: uuid.UUID | None
    status: DeliveryStatus
    attempts: int
    max_attempts: int | None
    next_attempt_at: datetime | None
    last_error: str | None
    response_status: int | None
    created_at: datetime
    delivered_at: datetime | None


def delivery_read(delivery: Delivery) -> DeliveryRead:
    """A delivery as the outbox and the webhook log show it; the next attempt only while one
    is to come."""
    return DeliveryRead(
        id=delivery.id,
        channel=delivery.channel,
        event_type=delivery.event_type,
        event_id=delivery.event_id,
        webhook_id=delivery.webhook_id,
        user_id=delivery.user_id,
        status=delivery.status,
        attempts=delivery.attempts,
        max_attempts=delivery.max_attempts,
        next_attempt_at=delivery.next_attempt_at
        if delivery.status is DeliveryStatus.PENDING
        else None,
        last_error=delivery.last_error,
        response_status=delivery.response_status,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
    )
