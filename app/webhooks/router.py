from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep, SettingsDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.events.schemas import DeliveryRead
from app.webhooks.schemas import (
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)
from app.webhooks.service import WebhookService

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

Manager = Annotated[Principal, Depends(require(Permission.WEBHOOKS_MANAGE))]


@router.get("", response_model=Page[WebhookRead])
async def list_webhooks(
    _: Manager, session: SessionDep, settings: SettingsDep, paging: Paging
) -> Page[WebhookRead]:
    """Webhook subscriptions (never their secrets)."""
    items, total = await WebhookService(session, settings=settings).list_page(
        offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=WebhookWithSecret, status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookWithSecret:
    """Subscribe a URL to events; the signing secret is in this answer and nowhere else."""
    created, version = await WebhookService(session, settings=settings).create(
        principal=principal, data=body
    )
    response.headers["Location"] = f"/api/v1/webhooks/{created.id}"
    response.headers["Cache-Control"] = "no-store"
    set_etag(response, version)
    return created


@router.get("/{webhook_id}", response_model=WebhookRead)
async def get_webhook(
    webhook_id: uuid.UUID,
    _: Manager,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookRead:
    """One webhook subscription."""
    read, version = await WebhookService(session, settings=settings).read(webhook_id=webhook_id)
    set_etag(response, version)
    return read


@router.patch("/{webhook_id}", response_model=WebhookRead)
async def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> WebhookRead:
    """Change a subscription's URL or events, or pause it (is_active false)."""
    read, version = await WebhookService(session, settings=settings).update(
        principal=principal, webhook_id=webhook_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(
    webhook_id: uuid.UUID,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    if_match: Annotated[str | None, Header()] = None,
) -> None:
    """Delete a subscription: nothing more is sent to it."""
    await WebhookService(session, settings=settings).delete(
        principal=principal, webhook_id=webhook_id, if_match=if_match
    )


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    _: Manager,
    session: SessionDep,
    settings: SettingsDep,
    paging: Paging,
) -> Page[DeliveryRead]:
    """The subscription's delivery log, newest first: attempts, last error, next attempt."""
    items, total = await WebhookService(session, settings=settings).deliveries(
        webhook_id=webhook_id, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)
