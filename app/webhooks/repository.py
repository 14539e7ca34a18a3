"""Every statement about webhook subscriptions and their delivery log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import Channel, Delivery
from app.webhooks.models import Webhook


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, webhook_id: uuid.UUID) -> Webhook | None:
        """A subscription that has not been deleted."""
        return await self.session.scalar(
            select(Webhook).where(Webhook.id == webhook_id, Webhook.deleted_at.is_(None))
        )

    async def add(self, *, webhook: Webhook) -> Webhook:
        self.session.add(webhook)
        await self.session.flush()
        return webhook

    async def flush(self) -> None:
        await self.session.flush()

    async def page(self, *, offset: int, limit: int) -> tuple[Sequence[Webhook], int]:
        """Subscriptions not deleted, oldest first, and how many there are."""
        where = Webhook.deleted_at.is_(None)
        total = await self.session.scalar(select(func.count()).select_from(Webhook).where(where))
        rows = await self.session.scalars(
            select(Webhook)
            .where(where)
            .order_by(Webhook.created_at, Webhook.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def subscribed(self, *, event_type: str) -> list[Webhook]:
        """Active subscriptions to this event type."""
        rows = await self.session.scalars(
            select(Webhook).where(Webhook.is_active.is_(True), Webhook.deleted_at.is_(None))
        )
        return [webhook for webhook in rows if event_type in webhook.events]

    async def deliveries(
        self, *, webhook_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[Sequence[Delivery], int]:
        """The subscription's delivery log, newest first, and how many there are."""
        where = [Delivery.channel == Channel.WEBHOOK, Delivery.webhook_id == webhook_id]
        total = await self.session.scalar(select(func.count()).select_from(Delivery).where(*where))
        rows = await self.session.scalars(
            select(Delivery)
            .where(*where)
            .order_by(Delivery.created_at.desc(), Delivery.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0
