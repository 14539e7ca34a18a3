"""The status of one measure for a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.status.dependencies import StatusServiceDep
from app.status.schemas import StatusRead

router = APIRouter(prefix="/indicators", tags=["indicators"])

Reader = Annotated[Principal, Depends(require(Permission.INDICATORS_READ))]


@router.get("/{code}/status", response_model=StatusRead)
async def get_indicator_status(
    code: str,
    period: Annotated[str, Query(description="2025-26, 2025-26-Q2 or 2025-04")],
    principal: Reader,
    service: StatusServiceDep,
) -> StatusRead:
    """RAG status, direction of travel and year to date for one period, from approved values."""
    return await service.status(principal=principal, code=code, period_code=period)
