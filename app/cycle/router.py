from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from app.access.dependencies import CurrentPrincipal, require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.cycle.schemas import PeriodProgress, Task, TaskAction
from app.cycle.service import CycleService
from app.periods.calendar import PeriodKind
from app.periods.schemas import PeriodClose, PeriodRead

router = APIRouter(tags=["reporting-cycle"])


@router.get("/periods/{code}/progress", response_model=PeriodProgress)
async def get_period_progress(
    code: str,
    _: Annotated[Principal, Depends(require(Permission.CYCLE_READ))],
    session: SessionDep,
) -> PeriodProgress:
    """For a period and each org unit (with all below it): values expected, entered, submitted,
    approved, missing and late."""
    return await CycleService(session).progress(period_code=code)


@router.get("/me/tasks", response_model=Page[Task])
async def list_my_tasks(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: Paging,
    period: Annotated[
        str | None,
        Query(
            max_length=16,
            description="A period code: its tasks and those of the periods within it "
            "(2025-26-Q1 includes its months)",
        ),
    ] = None,
    kind: Annotated[
        TaskAction | PeriodKind | None,
        Query(
            description="What to do (enter, revise, submit, approve) or the kind of period "
            "(month, quarter, year)"
        ),
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="true: past the data due date only; false: not yet due")
    ] = None,
) -> Page[Task]:
    """The values the caller must enter, revise, submit or approve in open periods, most
    urgent first."""
    items, total = await CycleService(session).tasks(
        principal=principal,
        period=period,
        kind=kind,
        overdue=overdue,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


# Closing a period is part of the cycle (it checks what is still outstanding first), listed
# with the other period operations.
periods_router = APIRouter(tags=["periods"])


@periods_router.post(
    "/periods/{code}/close",
    response_model=PeriodRead,
    responses={
        409: {
            "description": "Figures are outstanding (`outstanding` lists each one's period, "
            "indicator_code and state: draft, submitted, rejected or missing), or the period "
            "is not open"
        }
    },
)
async def close_period(
    code: str,
    principal: Annotated[Principal, Depends(require(Permission.PERIODS_MANAGE))],
    session: SessionDep,
    response: Response,
    body: Annotated[PeriodClose | None, Body()] = None,
) -> PeriodRead:
    """Close an open period: its values and targets are locked. Refused (409, `outstanding`)
    while figures are in draft, submitted, rejected or not entered, unless
    `{"force": true, "reason": "..."}` (audited with what was outstanding)."""
    read, version = await CycleService(session).close_period(
        principal=principal, code=code, data=body or PeriodClose()
    )
    set_etag(response, version)
    return read
