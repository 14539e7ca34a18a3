"""The outbox as an admin reads it: deliveries by status and channel."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import Channel, Delivery, DeliveryStatus, OutboxEvent


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def deliveries(
        self,
        *,
        status: DeliveryStatus | None,
        channel: Channel | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Delivery], int]:
        """Deliveries, newest first, and how many there are."""
        where = []
        if status is not None:
            where.append(Delivery.status == status)
        if channel is not None:
            where.append(Delivery.channel == channel)
        total = await self.session.scalar(select(func.count()).select_from(Delivery).where(*where))
        rows = await self.session.scalars(
            select(Delivery)
            .where(*where)
            .order_by(Delivery.created_at.desc(), Delivery.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def undispatched(self) -> int:
        """Events written but not yet turned into notifications and deliveries."""
        count = await self.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
        return count or 0

    async def delivery_counts(self) -> dict[tuple[Channel, DeliveryStatus], int]:
        """How many deliveries there are of each channel and status."""
        rows = await self.session.execute(
            select(Delivery.channel, Delivery.status, func.count()).group_by(
                Delivery.channel, Delivery.status
            )
        )
        return {(row[0], row[1]): int(row[2]) for row in rows}
