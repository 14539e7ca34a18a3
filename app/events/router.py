from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.pagination import Paging
from app.core.schemas import Page
from app.events.models import Channel, DeliveryStatus
from app.events.schemas import DeliveryRead
from app.events.service import OutboxService

router = APIRouter(prefix="/outbox", tags=["outbox"])


@router.get("/deliveries", response_model=Page[DeliveryRead])
async def list_outbox_deliveries(
    _: Annotated[Principal, Depends(require(Permission.OUTBOX_READ))],
    session: SessionDep,
    paging: Paging,
    status: Annotated[
        DeliveryStatus | None, Query(description="pending, delivered, failed")
    ] = None,
    channel: Annotated[Channel | None, Query(description="email or webhook")] = None,
) -> Page[DeliveryRead]:
    """Emails and webhook calls, newest first: what is waiting, what went, what failed and why
    (attempts, last_error, next_attempt_at)."""
    items, total = await OutboxService(session).deliveries(
        status=status, channel=channel, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)
