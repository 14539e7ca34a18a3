from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema
from app.events.models import WebhookEvent

Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
Events = Annotated[list[WebhookEvent], Field(min_length=1, max_length=len(WebhookEvent))]


class WebhookCreate(RequestSchema):
    url: Url
    events: Events


class WebhookUpdate(RequestSchema):
    url: Url | None = None
    events: Events | None = None
    is_active: bool | None = None


class WebhookRead(ResponseSchema):
    id: uuid.UUID
    url: str
    events: list[WebhookEvent]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookRead):
    secret: str = Field(
        description="whsec_...: the Standard Webhooks signing secret. Shown once; store it now."
    )
