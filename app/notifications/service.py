"""A person's notifications (what the worker delivered in-app) and email preference."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.core.clock import utcnow
from app.notifications.exceptions import NotificationNotFound, NotificationsAreForPeople
from app.notifications.models import EmailPreference, Notification, NotificationSetting
from app.notifications.repository import NotificationRepository
from app.notifications.schemas import NotificationRead, NotificationSettings, NotificationSettingsIn


def to_read(row: Notification) -> NotificationRead:
    return NotificationRead(
        id=row.id,
        event_type=row.event_type,
        title=row.title,
        body=row.body,
        data=row.data,
        created_at=row.created_at,
        read_at=row.read_at,
        is_read=row.read_at is not None,
    )


def _person(principal: Principal) -> uuid.UUID:
    if not principal.is_user:
        raise NotificationsAreForPeople("Machine clients have no notifications; use webhooks.")
    return principal.id


class NotificationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = NotificationRepository(session)

    async def settings(self, *, principal: Principal) -> NotificationSettings:
        setting = await self.repository.setting(user_id=_person(principal))
        return NotificationSettings(email=setting.email if setting else EmailPreference.IMMEDIATE)

    async def put_settings(
        self, *, principal: Principal, data: NotificationSettingsIn
    ) -> NotificationSettings:
        user_id = _person(principal)
        setting = await self.repository.setting(user_id=user_id)
        if setting is None:
            setting = await self.repository.add_setting(
                setting=NotificationSetting(user_id=user_id, email=data.email)
            )
        else:
            setting.email = data.email
            await self.session.flush()
        return NotificationSettings(email=setting.email)

    async def page(
        self, *, principal: Principal, unread: bool | None, offset: int, limit: int
    ) -> tuple[list[NotificationRead], int]:
        rows, total = await self.repository.page(
            user_id=_person(principal), unread=unread, offset=offset, limit=limit
        )
        return [to_read(row) for row in rows], total

    async def mark_read(
        self, *, principal: Principal, notification_id: uuid.UUID
    ) -> NotificationRead:
        """Mark one notification read (again is harmless: the first time stays)."""
        row = await self.repository.get(user_id=_person(principal), notification_id=notification_id)
        if row is None:
            raise NotificationNotFound(f"You have no notification {notification_id}.")
        if row.read_at is None:
            row.read_at = utcnow()
            await self.session.flush()
        return to_read(row)

    async def mark_all_read(self, *, principal: Principal) -> int:
        return await self.repository.mark_all_read(user_id=_person(principal), at=utcnow())
