from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.budgets.schemas import BudgetIn, BudgetRead
from app.budgets.service import BudgetService
from app.core.deps import SessionDep
from app.core.etag import set_etag

router = APIRouter(tags=["budgets"])

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PLANS_WRITE))]
Year = Annotated[str, Path(max_length=32, description="A financial year, e.g. 2025-26")]
IfMatch = Annotated[
    str | None, Header(description="The year's ETag you read; 412 if the lines changed")
]


@router.get("/plans/{plan_id}/budget/{year}", response_model=BudgetRead)
async def get_plan_budget(
    plan_id: uuid.UUID, year: Year, _: Reader, session: SessionDep, response: Response
) -> BudgetRead:
    """A service plan's budget lines for a year, with variances and totals."""
    read, version = await BudgetService(session).read(plan_id=plan_id, project_id=None, year=year)
    set_etag(response, version)
    return read


@router.put("/plans/{plan_id}/budget/{year}", response_model=BudgetRead)
async def put_plan_budget(
    plan_id: uuid.UUID,
    year: Year,
    body: BudgetIn,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> BudgetRead:
    """Replace a service plan's budget lines for a year, all at once (audited)."""
    read, version = await BudgetService(session).replace(
        principal=principal,
        plan_id=plan_id,
        project_id=None,
        year=year,
        data=body,
        if_match=if_match,
    )
    set_etag(response, version)
    return read


@router.get("/projects/{project_id}/budget/{year}", response_model=BudgetRead)
async def get_project_budget(
    project_id: uuid.UUID, year: Year, _: Reader, session: SessionDep, response: Response
) -> BudgetRead:
    """A project's budget lines for a year, with variances and totals."""
    read, version = await BudgetService(session).read(
        plan_id=None, project_id=project_id, year=year
    )
    set_etag(response, version)
    return read


@router.put("/projects/{project_id}/budget/{year}", response_model=BudgetRead)
async def put_project_budget(
    project_id: uuid.UUID,
    year: Year,
    body: BudgetIn,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> BudgetRead:
    """Replace a project's budget lines for a year, all at once (audited)."""
    read, version = await BudgetService(session).replace(
        principal=principal,
        plan_id=None,
        project_id=project_id,
        year=year,
        data=body,
        if_match=if_match,
    )
    set_etag(response, version)
    return read
