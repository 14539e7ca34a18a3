from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.pagination import Paging, page_of
from app.core.schemas import Page
from app.core.tabular import CSV_MEDIA_TYPE, attachment, flat_columns, flat_csv
from app.data_quality.schemas import (
    Issue,
    IssueType,
    QualitySummary,
    VerificationIn,
    VerificationRead,
)
from app.data_quality.service import DataQualityService

router = APIRouter(tags=["data-quality"])

Reader = Annotated[Principal, Depends(require(Permission.DATA_QUALITY_READ))]
Verifier = Annotated[Principal, Depends(require(Permission.DATA_QUALITY_VERIFY))]
PeriodCode = Annotated[str, Query(description="2025-26, 2025-26-Q2 or 2025-04")]
OrgUnit = Annotated[str | None, Query(description="This org unit and all below it")]
ISSUE_COLUMNS = flat_columns(Issue)


@router.get("/data-quality/summary", response_model=QualitySummary)
async def get_data_quality_summary(
    period: PeriodCode, principal: Reader, session: SessionDep, org_unit: OrgUnit = None
) -> QualitySummary:
    """How complete and trustworthy a period's data is: counts of values and of each issue."""
    return await DataQualityService(session).summary(
        principal=principal, period_code=period, org_unit_code=org_unit
    )


@router.get(
    "/data-quality/issues",
    response_model=Page[Issue],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def list_data_quality_issues(
    period: PeriodCode,
    principal: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: OrgUnit = None,
    issue_type: Annotated[IssueType | None, Query(alias="type")] = None,
    export_format: Annotated[
        Literal["json", "csv"],
        Query(alias="format", description="csv: every field of each issue, one line each"),
    ] = "json",
) -> Page[Issue] | Response:
    """Every data-quality issue in a period, by org unit and indicator (types in the README)."""
    issues = await DataQualityService(session).issues(
        principal=principal, period_code=period, org_unit_code=org_unit, issue_type=issue_type
    )
    if export_format == "csv":
        return Response(
            flat_csv(issues, ISSUE_COLUMNS),
            media_type=CSV_MEDIA_TYPE,
            headers=attachment(f"data-quality-issues-{period}.csv"),
        )
    return Page(**page_of(issues, paging))


@router.get(
    "/indicators/{code}/values/{period}/verification", response_model=Page[VerificationRead]
)
async def list_value_verifications(
    code: str, period: str, _: Reader, session: SessionDep, paging: Paging
) -> Page[VerificationRead]:
    """Auditors' verdicts on a value, newest first; `current` says whether it still applies."""
    verdicts = await DataQualityService(session).verifications(code=code, period_code=period)
    return Page(**page_of(verdicts, paging))


@router.post(
    "/indicators/{code}/values/{period}/verification",
    response_model=VerificationRead,
    status_code=status.HTTP_201_CREATED,
)
async def verify_value(
    code: str, period: str, body: VerificationIn, principal: Verifier, session: SessionDep
) -> VerificationRead:
    """Mark a value verified or queried, with a note (auditors)."""
    return await DataQualityService(session).verify_value(
        principal=principal, code=code, period_code=period, data=body
    )
