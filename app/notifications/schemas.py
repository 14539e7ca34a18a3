from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.core.schemas import RequestSchema, ResponseSchema
from app.notifications.models import EmailPreference


class NotificationSettings(ResponseSchema):
    email: EmailPreference


class NotificationSettingsIn(RequestSchema):
    email: EmailPreference


class NotificationRead(ResponseSchema):
    id: uuid.UUID
    event_type: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class MarkedRead(ResponseSchema):
    marked: int
