"""Webhook subscriptions (admin): each event it names is posted to its URL, signed."""

from __future__ import annotations

import base64
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.events.models import WebhookEvent
from app.events.schemas import DeliveryRead, delivery_read
from app.webhooks.addresses import AddressRefused, check_url
from app.webhooks.exceptions import WebhookNotFound, WebhookUrlRefused
from app.webhooks.models import Webhook
from app.webhooks.repository import WebhookRepository
from app.webhooks.schemas import (
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def to_read(webhook: Webhook) -> WebhookRead:
    return WebhookRead(
        id=webhook.id,
        url=webhook.url,
        events=[WebhookEvent(event) for event in webhook.events],
        is_active=webhook.is_active,
        created_at=webhook.created_at,
        updated_at=webhook.updated_at,
    )


class WebhookService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = WebhookRepository(session)
        self.audit = AuditService(session)

    async def _checked_url(self, url: str) -> str:
        try:
            await check_url(url, allow_private=self.settings.webhooks_allow_private)
        except AddressRefused as exc:
            raise WebhookUrlRefused(
                f"The webhook URL is not allowed: {exc}.",
                errors=[field_error("url", str(exc), "url_not_allowed")],
            ) from None
        return url

    async def get(self, *, webhook_id: uuid.UUID) -> Webhook:
        webhook = await self.repository.get(webhook_id=webhook_id)
        if webhook is None:
            raise WebhookNotFound(f"No webhook has the id {webhook_id}.")
        return webhook

    async def read(self, *, webhook_id: uuid.UUID) -> tuple[WebhookRead, int]:
        webhook = await self.get(webhook_id=webhook_id)
        return to_read(webhook), webhook.version

    async def list_page(self, *, offset: int, limit: int) -> tuple[list[WebhookRead], int]:
        rows, total = await self.repository.page(offset=offset, limit=limit)
        return [to_read(row) for row in rows], total

    async def create(
        self, *, principal: Principal, data: WebhookCreate
    ) -> tuple[WebhookWithSecret, int]:
        url = await self._checked_url(data.url)
        secret = new_secret()
        webhook = await self.repository.add(
            webhook=Webhook(
                url=url,
                events=sorted({event.value for event in data.events}),
                secret=secret,
                is_active=True,
                created_by_id=principal.id,
            )
        )
        read = to_read(webhook)
        await self.audit.record(
            actor=principal,
            action="create_webhook",
            entity_type="webhook",
            entity_id=webhook.id,
            after=to_audit(read),
        )
        return WebhookWithSecret(**read.model_dump(), secret=secret), webhook.version

    async def update(
        self,
        *,
        principal: Principal,
        webhook_id: uuid.UUID,
        data: WebhookUpdate,
        if_match: str | None,
    ) -> tuple[WebhookRead, int]:
        webhook = await self.get(webhook_id=webhook_id)
        check_if_match(if_match, webhook.version)
        before = to_read(webhook)
        if data.url is not None:
            webhook.url = await self._checked_url(data.url)
        if data.events is not None:
            webhook.events = sorted({event.value for event in data.events})
        if data.is_active is not None:
            webhook.is_active = data.is_active
        await self.repository.flush()
        after = to_read(webhook)
        await self.audit.record(
            actor=principal,
            action="update_webhook",
            entity_type="webhook",
            entity_id=webhook.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, webhook.version

    async def delete(
        self, *, principal: Principal, webhook_id: uuid.UUID, if_match: str | None
    ) -> None:
        """Stop the subscription; its delivery log is kept (and its pending calls dropped)."""
        webhook = await self.get(webhook_id=webhook_id)
        check_if_match(if_match, webhook.version)
        before = to_read(webhook)
        webhook.deleted_at = utcnow()
        webhook.is_active = False
        await self.repository.flush()
        await self.audit.record(
            actor=principal,
            action="delete_webhook",
            entity_type="webhook",
            entity_id=webhook.id,
            before=to_audit(before),
        )

    async def deliveries(
        self, *, webhook_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[DeliveryRead], int]:
        webhook = await self.get(webhook_id=webhook_id)
        rows, total = await self.repository.deliveries(
            webhook_id=webhook.id, offset=offset, limit=limit
        )
        return [delivery_read(row) for row in rows], total
