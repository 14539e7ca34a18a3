from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.recommendations.models import (
    RecommendationPriority,
    RecommendationSource,
    RecommendationStatus,
)
from app.recommendations.repository import RecommendationFilter
from app.recommendations.schemas import (
    RecommendationCreate,
    RecommendationPatch,
    RecommendationRead,
)
from app.recommendations.service import RecommendationService

router = APIRouter(prefix="/recommendations", tags=["recommendations"])

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PLANS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]


@router.get("", response_model=Page[RecommendationRead])
async def list_recommendations(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    source: RecommendationSource | None = None,
    priority: RecommendationPriority | None = None,
    status: RecommendationStatus | None = None,
    owner_id: uuid.UUID | None = None,
    overdue: Annotated[bool | None, Query(description="Past due, not implemented")] = None,
) -> Page[RecommendationRead]:
    """The recommendations register by due date, with the actions answering each."""
    items, total = await RecommendationService(session).list_page(
        org_unit_code=org_unit,
        filters=RecommendationFilter(
            source=source, priority=priority, status=status, owner_id=owner_id, overdue=overdue
        ),
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=RecommendationRead, status_code=status.HTTP_201_CREATED)
async def create_recommendation(
    body: RecommendationCreate, principal: Writer, session: SessionDep, response: Response
) -> RecommendationRead:
    """Record a recommendation of an audit, inspection, review, scrutiny or peer challenge."""
    created, version = await RecommendationService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/recommendations/{created.id}"
    set_etag(response, version)
    return created


@router.get("/{recommendation_id}", response_model=RecommendationRead)
async def get_recommendation(
    recommendation_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> RecommendationRead:
    """One recommendation, with the actions answering it."""
    read, version = await RecommendationService(session).read(recommendation_id=recommendation_id)
    set_etag(response, version)
    return read


@router.patch("/{recommendation_id}", response_model=RecommendationRead)
async def update_recommendation(
    recommendation_id: uuid.UUID,
    body: RecommendationPatch,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RecommendationRead:
    """Change a recommendation; `implemented` needs the right and every action done (409
    listing the open ones otherwise)."""
    read, version = await RecommendationService(session).update(
        principal=principal, recommendation_id=recommendation_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read
