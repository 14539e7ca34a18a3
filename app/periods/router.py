from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep, SettingsDep
from app.core.etag import set_etag
from app.core.pagination import Paging, page_of
from app.core.schemas import Page
from app.periods.calendar import PeriodKind
from app.periods.models import PeriodStatus
from app.periods.schemas import (
    FinancialYearCreate,
    FinancialYearRead,
    PeriodRead,
    PeriodReopen,
    PeriodTransition,
    PeriodUpdate,
)
from app.periods.service import PeriodService

router = APIRouter(tags=["periods"])

Reader = Annotated[Principal, Depends(require(Permission.PERIODS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.PERIODS_MANAGE))]
Reopener = Annotated[Principal, Depends(require(Permission.PERIODS_REOPEN))]
OptionalTransition = Annotated[PeriodTransition | None, Body()]


async def _service(session: SessionDep, settings: SettingsDep) -> PeriodService:
    return PeriodService(
        session,
        due_working_days=settings.data_due_working_days,
        board_days=settings.board_days_after_quarter,
    )


Service = Annotated[PeriodService, Depends(_service)]


@router.post(
    "/financial-years", response_model=FinancialYearRead, status_code=status.HTTP_201_CREATED
)
async def create_financial_year(
    body: FinancialYearCreate, principal: Manager, service: Service, response: Response
) -> FinancialYearRead:
    """Create a financial year with its 4 quarters and 12 months, due and board dates set."""
    year = await service.create_year(principal=principal, start_year=body.start_year)
    response.headers["Location"] = f"/api/v1/financial-years/{year.code}"
    return year


@router.get("/financial-years", response_model=Page[FinancialYearRead])
async def list_financial_years(
    _: Reader, service: Service, paging: Paging
) -> Page[FinancialYearRead]:
    """Every financial year, oldest first (periods are listed by GET /periods)."""
    return Page(**page_of(await service.list_years(), paging))


@router.get("/financial-years/{code}", response_model=FinancialYearRead)
async def get_financial_year(code: str, _: Reader, service: Service) -> FinancialYearRead:
    """One financial year with all its periods."""
    return await service.get_year(code=code)


@router.get("/periods", response_model=Page[PeriodRead])
async def list_periods(
    _: Reader,
    service: Service,
    paging: Paging,
    financial_year: str | None = None,
    kind: PeriodKind | None = None,
    status: PeriodStatus | None = None,
) -> Page[PeriodRead]:
    """List periods, filtered by financial year, kind and status, in date order."""
    items, total = await service.list_page(
        financial_year=financial_year,
        kind=kind,
        status=status,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.get("/periods/{code}", response_model=PeriodRead)
async def get_period(code: str, _: Reader, service: Service, response: Response) -> PeriodRead:
    """One period by its code (2025-26, 2025-26-Q2, 2025-04)."""
    read, version = await service.read(code=code)
    set_etag(response, version)
    return read


@router.patch("/periods/{code}", response_model=PeriodRead)
async def update_period(
    code: str,
    body: PeriodUpdate,
    principal: Manager,
    service: Service,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> PeriodRead:
    """Move a period's data due date or board date."""
    read, version = await service.update(
        principal=principal, code=code, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.post("/periods/{code}/open", response_model=PeriodRead)
async def open_period(
    code: str,
    principal: Manager,
    service: Service,
    response: Response,
    body: OptionalTransition = None,
) -> PeriodRead:
    """Open a future period for data entry."""
    read, version = await service.open(
        principal=principal, code=code, include_children=bool(body and body.include_children)
    )
    set_etag(response, version)
    return read


@router.post("/periods/{code}/reopen", response_model=PeriodRead)
async def reopen_period(
    code: str, body: PeriodReopen, principal: Reopener, service: Service, response: Response
) -> PeriodRead:
    """Reopen a closed period (admin only, with a reason that is kept in the audit trail)."""
    read, version = await service.reopen(
        principal=principal, code=code, reason=body.reason, include_children=body.include_children
    )
    set_etag(response, version)
    return read
