from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.auth.dependencies import CurrentPrincipal, require
from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.core.deps import SessionDep
from app.core.pagination import Paging
from app.core.schemas import Page
from app.cycle.schemas import PeriodProgress, Task, TaskAction
from app.cycle.service import CycleService
from app.periods.calendar import PeriodKind

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
