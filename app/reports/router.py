from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.auth.dependencies import require
from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.core.deps import SessionDep, SettingsDep
from app.indicators.models import IndicatorStatus
from app.indicators.repository import IndicatorFilter
from app.org.service import OrgService
from app.rag.schemas import Scorecard
from app.rag.service import StatusService

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require(Permission.REPORTS_READ))]
PeriodCode = Annotated[str, Query(description="2025-26, 2025-26-Q2 or 2025-04")]


async def scorecard_filters(
    session: SessionDep,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    is_key: bool | None = None,
) -> IndicatorFilter:
    """The filters every report takes; only active indicators are reported."""
    filters = IndicatorFilter(is_key=is_key, status=IndicatorStatus.ACTIVE)
    if org_unit is not None:
        org = OrgService(session)
        unit = await org.get_unit(org_unit)
        filters.org_unit_ids = (await org.tree()).subtree(unit.id)
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
