from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from starlette.convertors import StringConvertor, register_url_convertor

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.risks.models import RiskStatus
from app.risks.repository import RiskFilter
from app.risks.schemas import RiskCreate, RiskMatrixRead, RiskPatch, RiskRead
from app.risks.service import RiskService

router = APIRouter(prefix="/risks", tags=["risks"])


class _RiskIdConvertor(StringConvertor):
    # A segment that is not the static "/risks/matrix": otherwise any method but GET there is
    # routed to /risks/{risk_id} and read as a malformed id (422), where it should be 405.
    # Anything else still reaches the route, so a malformed id stays a 422, not a 404.
    regex = r"(?!matrix(?:/|$))[^/]+"


register_url_convertor("risk_id", _RiskIdConvertor())

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.RISKS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]
OrgUnitQuery = Annotated[str | None, Query(description="This org unit and all below it")]
CategoryQuery = Annotated[str | None, Query(max_length=100)]


@router.get("", response_model=Page[RiskRead])
async def list_risks(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: OrgUnitQuery = None,
    category: CategoryQuery = None,
    status: RiskStatus | None = None,
    owner_id: uuid.UUID | None = None,
    review_overdue: Annotated[
        bool | None, Query(description="Open risks whose review date has passed")
    ] = None,
    min_score: Annotated[
        int | None, Query(ge=1, le=25, description="Current score (likelihood x impact) at least")
    ] = None,
) -> Page[RiskRead]:
    """List risks, filtered by org unit (with descendants), category, status, score, review."""
    items, total = await RiskService(session).list_page(
        org_unit_code=org_unit,
        filters=RiskFilter(
            category=category,
            status=status,
            owner_id=owner_id,
            review_overdue=review_overdue,
            min_score=min_score,
        ),
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.get("/matrix", response_model=RiskMatrixRead)
async def get_risk_matrix(
    _: Reader,
    session: SessionDep,
    org_unit: OrgUnitQuery = None,
    category: CategoryQuery = None,
    status: Annotated[RiskStatus, Query(description="Default: open risks")] = RiskStatus.OPEN,
    owner_id: uuid.UUID | None = None,
) -> RiskMatrixRead:
    """Risks counted on the 5 x 5 matrix by current likelihood and impact (all 25 cells)."""
    return await RiskService(session).matrix(
        org_unit_code=org_unit,
        filters=RiskFilter(category=category, status=status, owner_id=owner_id),
    )


@router.post("", response_model=RiskRead, status_code=status.HTTP_201_CREATED)
async def create_risk(
    body: RiskCreate, principal: Writer, session: SessionDep, response: Response
) -> RiskRead:
    """Add a risk to the register, with its inherent, current and target scores."""
    created, version = await RiskService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/risks/{created.id}"
    set_etag(response, version)
    return created


@router.get("/{risk_id:risk_id}", response_model=RiskRead)
async def get_risk(
    risk_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> RiskRead:
    """One risk, with its scores, linked objectives and mitigating actions."""
    read, version = await RiskService(session).read(risk_id=risk_id)
    set_etag(response, version)
    return read


@router.patch("/{risk_id:risk_id}", response_model=RiskRead)
async def update_risk(
    risk_id: uuid.UUID,
    body: RiskPatch,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RiskRead:
    """Change a risk: rescore it, record its review, link objectives, close it."""
    read, version = await RiskService(session).update(
        principal=principal, risk_id=risk_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read
