from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.access.dependencies import require
from app.access.permissions import Permission, Role
from app.access.principal import Principal
from app.audit.schemas import AuditEventRead, AuditVerification
from app.audit.service import AuditService
from app.core.deps import SessionDep
from app.core.pagination import Paging
from app.core.schemas import IsoDateTime, Page

router = APIRouter(prefix="/audit-events", tags=["audit"])

Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


@router.get("", response_model=Page[AuditEventRead])
async def list_audit_events(
    principal: Auditor,
    session: SessionDep,
    paging: Paging,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
) -> Page[AuditEventRead]:
    """The audit trail, newest first, filtered by entity, actor, action and time (changes to
    personal objectives and appraisals are listed to admins only)."""
    items, total = await AuditService(session).list(
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
        offset=paging.offset,
        limit=paging.page_size,
        include_private=principal.has_role(Role.ADMIN),
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.get("/verify", response_model=AuditVerification)
async def verify_audit_chain(_: Auditor, session: SessionDep) -> AuditVerification:
    """Recompute the hash chain; name the first event altered behind the API's back."""
    return await AuditService(session).verify()
