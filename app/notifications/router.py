from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.access.dependencies import CurrentPrincipal
from app.core.deps import SessionDep
from app.core.pagination import Paging
from app.core.schemas import Page
from app.notifications.schemas import (
    MarkedRead,
    NotificationRead,
    NotificationSettings,
    NotificationSettingsIn,
)
from app.notifications.service import NotificationService

router = APIRouter(prefix="/me", tags=["notifications"])


@router.get("/notification-settings", response_model=NotificationSettings)
async def get_notification_settings(
    principal: CurrentPrincipal, session: SessionDep
) -> NotificationSettings:
    """How the caller is emailed: immediate, a daily digest, or off (in-app either way)."""
    return await NotificationService(session).settings(principal=principal)


@router.put("/notification-settings", response_model=NotificationSettings)
async def put_notification_settings(
    body: NotificationSettingsIn, principal: CurrentPrincipal, session: SessionDep
) -> NotificationSettings:
    """Choose how the caller is emailed: immediate, daily (one digest a day) or off."""
    return await NotificationService(session).put_settings(principal=principal, data=body)


@router.get("/notifications", response_model=Page[NotificationRead])
async def list_my_notifications(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: Paging,
    unread: Annotated[bool | None, Query(description="true: unread only; false: read only")] = None,
) -> Page[NotificationRead]:
    """The caller's notifications, newest first, with their read state."""
    items, total = await NotificationService(session).page(
        principal=principal, unread=unread, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
async def mark_notification_read(
    notification_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> NotificationRead:
    """Mark one of the caller's notifications read."""
    return await NotificationService(session).mark_read(
        principal=principal, notification_id=notification_id
    )


@router.post("/notifications/read", response_model=MarkedRead)
async def mark_all_notifications_read(
    principal: CurrentPrincipal, session: SessionDep
) -> MarkedRead:
    """Mark every unread notification of the caller read."""
    return MarkedRead(marked=await NotificationService(session).mark_all_read(principal=principal))
