from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.plans.models import PlanKind, PlanStatus
from app.plans.schemas import (
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
    PlanCreate,
    PlanRead,
    PlanTree,
    PlanUpdate,
    PlanVersionRead,
    PlanVersionSummary,
)
from app.plans.service import PlanService
from app.status.dependencies import StatusServiceDep

router = APIRouter(tags=["plans"])

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PLANS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]


@router.get("/plans", response_model=Page[PlanRead])
async def list_plans(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    kind: PlanKind | None = None,
    status: PlanStatus | None = None,
    org_unit: Annotated[str | None, Query(description="Plans of this unit and below")] = None,
) -> Page[PlanRead]:
    """Corporate and service plans."""
    items, total = await PlanService(session).list_plans(
        kind=kind,
        status=status,
        org_unit_code=org_unit,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("/plans", response_model=PlanRead, status_code=status.HTTP_201_CREATED)
async def create_plan(
    body: PlanCreate, principal: Writer, session: SessionDep, response: Response
) -> PlanRead:
    """Create a corporate or service plan with its themes."""
    created, version = await PlanService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/plans/{created.id}"
    set_etag(response, version)
    return created


@router.get("/plans/{plan_id}", response_model=PlanRead)
async def get_plan(
    plan_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> PlanRead:
    """One plan."""
    read, version = await PlanService(session).read(plan_id=plan_id)
    set_etag(response, version)
    return read


@router.patch("/plans/{plan_id}", response_model=PlanRead)
async def update_plan(
    plan_id: uuid.UUID,
    body: PlanUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanRead:
    """Change a plan in draft or submitted: title, years, owner, themes (an approved plan is
    frozen: 409; start its next version)."""
    read, version = await PlanService(session).update(
        principal=principal, plan_id=plan_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


async def _step(
    action: str,
    plan_id: uuid.UUID,
    principal: Principal,
    session: SessionDep,
    response: Response,
    if_match: str | None,
) -> PlanRead:
    service = PlanService(session)
    step = {"submit": service.submit, "approve": service.approve, "archive": service.archive}
    read, version = await step[action](principal=principal, plan_id=plan_id, if_match=if_match)
    set_etag(response, version)
    return read


@router.post("/plans/{plan_id}/submit", response_model=PlanRead)
async def submit_plan(
    plan_id: uuid.UUID,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanRead:
    """Put a draft plan forward for approval."""
    return await _step("submit", plan_id, principal, session, response, if_match)


@router.post("/plans/{plan_id}/approve", response_model=PlanRead)
async def approve_plan(
    plan_id: uuid.UUID,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanRead:
    """Approve a submitted plan: a director in scope for a service plan, the performance team
    for the corporate plan; never its author (403). The approved version is kept as it is."""
    return await _step("approve", plan_id, principal, session, response, if_match)


@router.post("/plans/{plan_id}/archive", response_model=PlanRead)
async def archive_plan(
    plan_id: uuid.UUID,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanRead:
    """Archive an approved plan whose time is over; it stays readable."""
    return await _step("archive", plan_id, principal, session, response, if_match)


@router.get("/plans/{plan_id}/versions", response_model=Page[PlanVersionSummary])
async def list_plan_versions(
    plan_id: uuid.UUID, _: Reader, session: SessionDep, paging: Paging
) -> Page[PlanVersionSummary]:
    """A plan's versions, newest first: every approved one and the one being worked on."""
    items, total = await PlanService(session).versions(
        plan_id=plan_id, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post(
    "/plans/{plan_id}/versions",
    response_model=PlanVersionRead,
    status_code=status.HTTP_201_CREATED,
)
async def start_plan_version(
    plan_id: uuid.UUID,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlanVersionRead:
    """Start the next version of an approved plan as a draft copy to change; the approved
    version stays readable as it was."""
    read, version = await PlanService(session).new_version(
        principal=principal, plan_id=plan_id, if_match=if_match
    )
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/versions/{read.number}"
    set_etag(response, version)
    return read


@router.get("/plans/{plan_id}/versions/{number}", response_model=PlanVersionRead)
async def get_plan_version(
    plan_id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    _: Reader,
    session: SessionDep,
) -> PlanVersionRead:
    """One version: an approved one exactly as approved (plan, objectives and their links)."""
    return await PlanService(session).version(plan_id=plan_id, number=number)


@router.get("/plans/{plan_id}/tree", response_model=PlanTree)
async def get_plan_tree(
    plan_id: uuid.UUID,
    period: Annotated[str, Query(description="The period whose statuses to show")],
    principal: Reader,
    session: SessionDep,
    statuses: StatusServiceDep,
) -> PlanTree:
    """The plan's objectives as a tree, each with its measures' statuses, a rolled-up RAG count
    and its projects."""
    return await PlanService(session).tree(
        principal=principal, plan_id=plan_id, period_code=period, statuses=statuses
    )


@router.get("/plans/{plan_id}/objectives", response_model=list[ObjectiveRead])
async def list_objectives(
    plan_id: uuid.UUID, _: Reader, session: SessionDep
) -> list[ObjectiveRead]:
    """A plan's objectives with their links, in order."""
    return await PlanService(session).objectives(plan_id=plan_id)


@router.post(
    "/plans/{plan_id}/objectives",
    response_model=ObjectiveRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_objective(
    plan_id: uuid.UUID,
    body: ObjectiveCreate,
    principal: Writer,
    session: SessionDep,
    response: Response,
) -> ObjectiveRead:
    """Add an objective; link it to the corporate objectives it serves, indicators, projects."""
    created, _version = await PlanService(session).create_objective(
        principal=principal, plan_id=plan_id, data=body
    )
    response.headers["Location"] = f"/api/v1/objectives/{created.id}"
    return created


@router.get("/objectives/{objective_id}", response_model=ObjectiveRead)
async def get_objective(
    objective_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> ObjectiveRead:
    """One objective with its links up and down the golden thread."""
    read, version = await PlanService(session).read_objective(objective_id=objective_id)
    set_etag(response, version)
    return read


@router.patch("/objectives/{objective_id}", response_model=ObjectiveRead)
async def update_objective(
    objective_id: uuid.UUID,
    body: ObjectiveUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ObjectiveRead:
    """Change an objective or its links (lists replace the links they name)."""
    read, version = await PlanService(session).update_objective(
        principal=principal, objective_id=objective_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read
