"""The outbox for admins: what is waiting, delivered or failed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import metrics
from app.events.models import Channel, DeliveryStatus
from app.events.repository import OutboxRepository
from app.events.schemas import DeliveryRead, delivery_read


class OutboxService:
    def __init__(self, session: AsyncSession) -> None:
        self.repository = OutboxRepository(session)

    async def deliveries(
        self,
        *,
        status: DeliveryStatus | None,
        channel: Channel | None,
        offset: int,
        limit: int,
    ) -> tuple[list[DeliveryRead], int]:
        rows, total = await self.repository.deliveries(
            status=status, channel=channel, offset=offset, limit=limit
        )
        return [delivery_read(row) for row in rows], total


async def outbox_probe(session: AsyncSession) -> None:
    """The outbox's depth for GET /metrics: read from the database, so every worker process
    and every scrape agree."""
    repository = OutboxRepository(session)
    metrics.set_outbox_depth(kind="event", status="pending", count=await repository.undispatched())
    counts = await repository.delivery_counts()
    for channel in Channel:
        for status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            metrics.set_outbox_depth(
                kind=channel.value, status=status.value, count=counts.get((channel, status), 0)
            )
