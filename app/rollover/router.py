from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep, SettingsDep
from app.periods.service import PeriodService
from app.rollover.schemas import RolloverIn, RolloverResult
from app.rollover.service import RolloverService

router = APIRouter(tags=["periods"])

# Creating the year's periods is the performance team's (and an admin's) alone, and so is
# rolling the framework into it.
Manager = Annotated[Principal, Depends(require(Permission.PERIODS_MANAGE))]


@router.post(
    "/financial-years/{year}/rollover",
    response_model=RolloverResult,
    responses={409: {"description": "Nothing to roll over from that year (nothing created)"}},
)
async def rollover(
    year: Annotated[str, Path(max_length=16, description="The new year, e.g. 2026-27")],
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[RolloverIn, Body()] = RolloverIn(),
) -> RolloverResult:
    """Roll last year's framework into this year: its periods, service plans copied as drafts
    with their links, and targets proposed by a rule for every active indicator (a target
    already set is kept). dry_run (the default) answers what would be created, kept or
    skipped and changes nothing; dry_run false does it, in one transaction, audited."""
    periods = PeriodService(
        session,
        due_working_days=settings.data_due_working_days,
        board_days=settings.board_days_after_quarter,
    )
    return await RolloverService(session, periods=periods).rollover(
        principal=principal, year=year, data=body
    )
