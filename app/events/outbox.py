"""Writing an event to the outbox, in the caller's transaction: the change and the news of it
are committed together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.bulk import bulk_insert
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
    event = OutboxEvent(
        **event_row(
            event_type=event_type, title=title, data=data, recipients=recipients, body=body
        ),
        dedupe_key=dedupe_key,
    )
    session.add(event)
    return event


def event_row(
    *,
    event_type: EventType,
    title: str,
    data: dict[str, Any],
    recipients: Iterable[uuid.UUID | None] = (),
    body: str | None = None,
) -> dict[str, Any]:
    """One event's columns, for ``emit`` or, many at a time, ``emit_many``."""
    return {
        "id": uuid.uuid4(),
        "event_type": event_type.value,
        "payload": {"title": title, "body": body or title, "data": data},
        "recipient_ids": sorted({str(person) for person in recipients if person is not None}),
        "occurred_at": utcnow(),
    }


async def emit_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Write many events (``event_row``) in the caller's transaction in one go, as a bulk push
    writes its values."""
    await bulk_insert(session, OutboxEvent.__table__, rows)  # type: ignore[arg-type]
