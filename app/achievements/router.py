from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.achievements.models import AchievementStatus
from app.achievements.repository import AchievementFilter
from app.achievements.schemas import AchievementCreate, AchievementPatch, AchievementRead
from app.achievements.service import AchievementService
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page

router = APIRouter(prefix="/achievements", tags=["achievements"])

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.ACTIONS_WRITE))]
Approver = Annotated[Principal, Depends(require(Permission.VALUES_APPROVE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]


@router.get("", response_model=Page[AchievementRead])
async def list_achievements(
    principal: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    period: Annotated[
        str | None, Query(max_length=32, description="This period and the periods within it")
    ] = None,
    status: AchievementStatus | None = None,
    is_public: bool | None = None,
) -> Page[AchievementRead]:
    """Key achievements, newest period first; drafts only where you may write or approve them."""
    items, total = await AchievementService(session).list_page(
        principal=principal,
        org_unit_code=org_unit,
        period_code=period,
        filters=AchievementFilter(status=status, is_public=is_public),
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=AchievementRead, status_code=status.HTTP_201_CREATED)
async def create_achievement(
    body: AchievementCreate, principal: Writer, session: SessionDep, response: Response
) -> AchievementRead:
    """Record a key achievement (a draft until someone else approves it)."""
    created, version = await AchievementService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/achievements/{created.id}"
    set_etag(response, version)
    return created


@router.get("/{achievement_id}", response_model=AchievementRead)
async def get_achievement(
    achievement_id: uuid.UUID, principal: Reader, session: SessionDep, response: Response
) -> AchievementRead:
    """One key achievement."""
    read, version = await AchievementService(session).read(
        principal=principal, achievement_id=achievement_id
    )
    set_etag(response, version)
    return read


@router.patch("/{achievement_id}", response_model=AchievementRead)
async def update_achievement(
    achievement_id: uuid.UUID,
    body: AchievementPatch,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> AchievementRead:
    """Change an achievement; an approved one goes back to draft until approved again."""
    read, version = await AchievementService(session).update(
        principal=principal, achievement_id=achievement_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.delete("/{achievement_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_achievement(
    achievement_id: uuid.UUID, principal: Writer, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Remove an achievement (audited)."""
    await AchievementService(session).delete(
        principal=principal, achievement_id=achievement_id, if_match=if_match
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{achievement_id}/approve", response_model=AchievementRead)
async def approve_achievement(
    achievement_id: uuid.UUID,
    principal: Approver,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> AchievementRead:
    """Approve an achievement (someone other than its author, who may approve values in its
    org unit): reports show it from now on, and the public pages too where it is public."""
    read, version = await AchievementService(session).approve(
        principal=principal, achievement_id=achievement_id, if_match=if_match
    )
    set_etag(response, version)
    return read
