from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.auth.dependencies import CurrentPrincipal, require
from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.core.deps import SessionDep
from app.cycle.schemas import PeriodProgress, Task
from app.cycle.service import CycleService

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


@router.get("/me/tasks", response_model=list[Task])
async def list_my_tasks(principal: CurrentPrincipal, session: SessionDep) -> list[Task]:
    """The values the caller must enter, revise, submit or approve, most urgent first."""
    return await CycleService(session).tasks(principal=principal)
