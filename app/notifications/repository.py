"""Every statement about a person's notifications and email preference."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification, NotificationSetting


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def setting(self, *, user_id: uuid.UUID) -> NotificationSetting | None:
        """The person's email preference, if they have chosen one."""
        return await self.session.get(NotificationSetting, user_id)

    async def add_setting(self, *, setting: NotificationSetting) -> NotificationSetting:
        self.session.add(setting)
        await self.session.flush()
        return setting

    async def page(
        self, *, user_id: uuid.UUID, unread: bool | None, offset: int, limit: int
    ) -> tuple[Sequence[Notification], int]:
        """The person's notifications, newest first, and how many there are."""
        where = [Notification.user_id == user_id]
        if unread is True:
            where.append(Notification.read_at.is_(None))
        elif unread is False:
            where.append(Notification.read_at.is_not(None))
        total = await self.session.scalar(
            select(func.count()).select_from(Notification).where(*where)
        )
        rows = await self.session.scalars(
            select(Notification)
            .where(*where)
            .order_by(Notification.created_at.desc(), Notification.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def get(self, *, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
        """One of the person's notifications (another's is as good as absent)."""
        return await self.session.scalar(
            select(Notification).where(
                Notification.id == notification_id, Notification.user_id == user_id
            )
        )

    async def mark_all_read(self, *, user_id: uuid.UUID, at: datetime) -> int:
        """Mark every unread notification of the person read; how many were."""
        result = await self.session.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=at)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
