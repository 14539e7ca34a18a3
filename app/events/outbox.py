"""Writing an event to the outbox, in the caller's transaction: the change and the news of it
are committed together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.events.models import EventType, OutboxEvent


def emit(
    session: AsyncSession,
    *,
    event_type: EventType,
    title: str,
    data: dict[str, Any],
    recipients: Iterable[uuid.UUID | None] = (),
    body: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxEvent:
    """Add one event to the session; it is flushed and committed with the change."""
    people = sorted({str(person) for person in recipients if person is not None})
    event = OutboxEvent(
        event_type=event_type.value,
        payload={"title": title, "body": body or title, "data": data},
        recipient_ids=people,
        dedupe_key=dedupe_key,
        occurred_at=utcnow(),
    )
    session.add(event)
    return event
