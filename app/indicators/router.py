from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status
from fastapi.responses import Response as PlainResponse

from app.access.dependencies import CurrentPrincipal, require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging, page_of
from app.core.schemas import Page
from app.indicators.models import IndicatorStatus
from app.indicators.repository import IndicatorFilter
from app.indicators.schemas import (
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
    ReasonIn,
    StepIn,
    TargetIn,
    TargetRead,
    TargetRevisionRead,
    ValueIn,
    ValueRead,
    ValueRevisionRead,
)
from app.indicators.service import IndicatorService
from app.indicators.values import ValueService
from app.measures.vocabulary import Frequency, Polarity

router = APIRouter(prefix="/indicators", tags=["indicators"])

Reader = Annotated[Principal, Depends(require(Permission.INDICATORS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INDICATORS_WRITE))]
TargetSetter = Annotated[Principal, Depends(require(Permission.TARGETS_WRITE))]
Enterer = Annotated[Principal, Depends(require(Permission.VALUES_WRITE))]
Submitter = Annotated[Principal, Depends(require(Permission.VALUES_SUBMIT))]
Approver = Annotated[Principal, Depends(require(Permission.VALUES_APPROVE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]
# Submit and approve take no fields: a body is optional, and any field in it (an approval
# note, say, which is not stored) is refused rather than silently dropped.
NoFields = Annotated[StepIn | None, Body(description="No fields; an empty object or no body")]


@router.get("", response_model=Page[IndicatorRead])
async def list_indicators(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    polarity: Polarity | None = None,
    frequency: Frequency | None = None,
    is_key: bool | None = None,
    is_public: bool | None = None,
    is_national: Annotated[
        bool | None, Query(description="National (statutory) measures only, or none of them")
    ] = None,
    status: IndicatorStatus | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Search code and title")] = None,
) -> Page[IndicatorRead]:
    """List indicators, filtered by org unit (with descendants), polarity, frequency, key,
    public, national, status and a search."""
    items, total = await IndicatorService(session).list_page(
        org_unit_code=org_unit,
        filters=IndicatorFilter(
            polarity=polarity,
            frequency=frequency,
            is_key=is_key,
            is_public=is_public,
            is_national=is_national,
            status=status,
            q=q,
        ),
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=IndicatorRead, status_code=status.HTTP_201_CREATED)
async def create_indicator(
    body: IndicatorCreate, principal: Writer, session: SessionDep, response: Response
) -> IndicatorRead:
    """Define a performance indicator."""
    created, version = await IndicatorService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/indicators/{created.code}"
    set_etag(response, version)
    return created


@router.get("/{code}", response_model=IndicatorRead)
async def get_indicator(
    code: str, _: Reader, session: SessionDep, response: Response
) -> IndicatorRead:
    """One indicator by its code."""
    read, version = await IndicatorService(session).read(code=code)
    set_etag(response, version)
    return read


@router.patch("/{code}", response_model=IndicatorRead)
async def update_indicator(
    code: str,
    body: IndicatorUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> IndicatorRead:
    """Change an indicator's definition, tolerance, owner or flags."""
    read, version = await IndicatorService(session).update(
        principal=principal, code=code, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.delete(
    "/{code}",
    response_model=IndicatorRead,
    responses={204: {"description": "Deleted: it never had a value"}},
)
async def retire_indicator(
    code: str, principal: Writer, session: SessionDep, if_match: IfMatch = None
) -> IndicatorRead | PlainResponse:
    """Retire an indicator (its values are kept); one that never had a value is deleted."""
    retired = await IndicatorService(session).retire_or_delete(
        principal=principal, code=code, if_match=if_match
    )
    if retired is None:
        return PlainResponse(status_code=status.HTTP_204_NO_CONTENT)
    read, _version = retired
    return read


@router.get("/{code}/targets", response_model=Page[TargetRead])
async def list_targets(
    code: str, _: Reader, session: SessionDep, paging: Paging
) -> Page[TargetRead]:
    """Every target in force for the indicator, in period order."""
    return Page(**page_of(await IndicatorService(session).list_targets(code=code), paging))


@router.get("/{code}/targets/{period}", response_model=TargetRead)
async def get_target(
    code: str, period: str, _: Reader, session: SessionDep, response: Response
) -> TargetRead:
    """The target in force for one period."""
    read, version = await IndicatorService(session).read_target(code=code, period_code=period)
    set_etag(response, version)
    return read


@router.put("/{code}/targets/{period}", response_model=TargetRead)
async def set_target(
    code: str,
    period: str,
    body: TargetIn,
    principal: TargetSetter,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> TargetRead:
    """Set or change a target: a value, or lower/upper for a band; the old one is kept."""
    target, version, created = await IndicatorService(session).set_target(
        principal=principal, code=code, period_code=period, data=body, if_match=if_match
    )
    set_etag(response, version)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return target


@router.get("/{code}/targets/{period}/history", response_model=Page[TargetRevisionRead])
async def get_target_history(
    code: str, period: str, _: Reader, session: SessionDep, paging: Paging
) -> Page[TargetRevisionRead]:
    """Every change to a period's target, newest first: old and new value, who, when, why."""
    history = await IndicatorService(session).target_history(code=code, period_code=period)
    return Page(**page_of(history, paging))


@router.get("/{code}/values", response_model=Page[ValueRead])
async def list_values(
    code: str,
    principal: Reader,
    session: SessionDep,
    paging: Paging,
    financial_year: Annotated[str | None, Query(description="e.g. 2025-26")] = None,
) -> Page[ValueRead]:
    """The indicator's values: drafts for those who may act on them, else approved only."""
    items, total = await ValueService(session).list_values(
        principal=principal, code=code, financial_year=financial_year, paging=paging
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.get("/{code}/values/{period}", response_model=ValueRead)
async def get_value(
    code: str, period: str, principal: Reader, session: SessionDep, response: Response
) -> ValueRead:
    """One period's value."""
    read, version = await ValueService(session).get(
        principal=principal, code=code, period_code=period
    )
    set_etag(response, version)
    return read


@router.put("/{code}/values/{period}", response_model=ValueRead)
async def save_value(
    code: str,
    period: str,
    body: ValueIn,
    principal: Enterer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ValueRead:
    """Save a value as a draft (201 when new); changing an approved value sends it back."""
    read, version, outcome = await ValueService(session).save_draft(
        principal=principal, code=code, period_code=period, data=body, if_match=if_match
    )
    set_etag(response, version)
    if outcome == "created":
        response.status_code = status.HTTP_201_CREATED
    return read


@router.post("/{code}/values/{period}/submit", response_model=ValueRead)
async def submit_value(
    code: str,
    period: str,
    body: NoFields = None,
    *,
    principal: Submitter,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ValueRead:
    """Submit a draft (or rejected) value for approval."""
    read, version = await ValueService(session).submit(
        principal=principal, code=code, period_code=period, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.post("/{code}/values/{period}/approve", response_model=ValueRead)
async def approve_value(
    code: str,
    period: str,
    body: NoFields = None,
    *,
    principal: Approver,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ValueRead:
    """Approve a submitted value (not your own entry, unless you are an admin)."""
    read, version = await ValueService(session).approve(
        principal=principal, code=code, period_code=period, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.post("/{code}/values/{period}/reject", response_model=ValueRead)
async def reject_value(
    code: str,
    period: str,
    body: ReasonIn,
    principal: Approver,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ValueRead:
    """Send a submitted value back to its enterer, with the reason."""
    read, version = await ValueService(session).reject(
        principal=principal, code=code, period_code=period, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.get("/{code}/values/{period}/history", response_model=Page[ValueRevisionRead])
async def get_value_history(
    code: str, period: str, principal: CurrentPrincipal, session: SessionDep, paging: Paging
) -> Page[ValueRevisionRead]:
    """Every revision of a period's value, oldest first (for those who may see drafts)."""
    history = await ValueService(session).history(
        principal=principal, code=code, period_code=period
    )
    return Page(**page_of(history, paging))
