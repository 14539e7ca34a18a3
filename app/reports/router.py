from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.auth.dependencies import require
from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.committees.repository import committee_indicator_ids
from app.committees.service import CommitteeService
from app.core.deps import SessionDep, SettingsDep
from app.indicators.models import IndicatorStatus
from app.indicators.repository import IndicatorFilter
from app.org.service import OrgService
from app.plans.repository import objectives_indicator_ids, plan_indicator_ids
from app.plans.service import PlanService
from app.rag.schemas import Scorecard
from app.rag.service import StatusService
from app.reports.schemas import ExceptionReport
from app.reports.service import ReportService

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require(Permission.REPORTS_READ))]
PeriodCode = Annotated[str, Query(description="2025-26, 2025-26-Q2 or 2025-04")]


async def scorecard_filters(
    session: SessionDep,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    plan: Annotated[uuid.UUID | None, Query(description="Measures linked to the plan")] = None,
    objective: Annotated[
        uuid.UUID | None, Query(description="Measures linked to the objective or below it")
    ] = None,
    committee: Annotated[
        uuid.UUID | None, Query(description="Measures reported to the committee")
    ] = None,
    is_key: bool | None = None,
) -> IndicatorFilter:
    """The filters every report takes; only active indicators are reported."""
    filters = IndicatorFilter(is_key=is_key, status=IndicatorStatus.ACTIVE)
    if org_unit is not None:
        org = OrgService(session)
        unit = await org.get_unit(org_unit)
        filters.org_unit_ids = (await org.tree()).subtree(unit.id)
    plans = PlanService(session)
    if plan is not None:
        await plans.get(plan)
        filters.ids_in.append(plan_indicator_ids(plan))
    if objective is not None:
        filters.ids_in.append(objectives_indicator_ids(await plans.objective_subtree(objective)))
    if committee is not None:
        await CommitteeService(session).get(committee)
        filters.ids_in.append(committee_indicator_ids(committee))
    return filters


ReportFilters = Annotated[IndicatorFilter, Depends(scorecard_filters)]


@router.get("/scorecard", response_model=Scorecard)
async def get_scorecard(
    period: PeriodCode,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    filters: ReportFilters,
) -> Scorecard:
    """Every measure's status for a period, with a count per RAG status."""
    return await StatusService(session, settings=settings).scorecard(
        principal=principal, period_code=period, filters=filters
    )


@router.get("/exceptions", response_model=ExceptionReport)
async def get_exception_report(
    period: PeriodCode,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    filters: ReportFilters,
) -> ExceptionReport:
    """Red and amber measures with value, target, shortfall, commentary and corrective actions;
    measures red two periods running and those with no corrective action called out."""
    return await ReportService(session, settings=settings).exceptions(
        principal=principal, period_code=period, filters=filters
    )
