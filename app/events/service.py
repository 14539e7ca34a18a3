"""The outbox for admins: what is waiting, delivered or failed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

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
