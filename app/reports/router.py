from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.config import Settings
from app.core.deps import SessionDep, SettingsDep, get_sessionmaker
from app.core.errors import InvalidInput, field_error
from app.core.etag import set_etag
from app.core.responses import PartsResponse
from app.indicators.repository import IndicatorFilter
from app.measures.vocabulary import Rag
from app.reports.board_pack import MEDIA_TYPES, BoardPackService, PackFormat
from app.reports.filters import ReportFilterService
from app.reports.narratives import NarrativeService
from app.reports.outturn import OutturnService, OutturnYear, outturn_csv
from app.reports.rendering import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    attachment,
    exceptions_csv,
    scorecard_csv,
    scorecard_xlsx,
)
from app.reports.schemas import (
    ExceptionReport,
    NarrativeIn,
    NarrativeRead,
    OutturnReport,
    ReportFilters,
)
from app.reports.service import ReportService
from app.status.dependencies import StatusServiceDep
from app.status.schemas import Scorecard

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = Annotated[Principal, Depends(require(Permission.REPORTS_READ))]
PeriodCode = Annotated[str, Query(description="2025-26, 2025-26-Q2 or 2025-04")]
_TEXT: dict[str, Any] = {"schema": {"type": "string"}}
_BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}


async def report_filters(
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    plan: Annotated[
        uuid.UUID | None,
        Query(description="Measures of the plan and of every objective serving it, transitively"),
    ] = None,
    objective: Annotated[
        uuid.UUID | None,
        Query(
            description="Measures linked to the objective, below it, or to any objective "
            "serving these, transitively"
        ),
    ] = None,
    committee: Annotated[
        uuid.UUID | None,
        Query(
            description="Measures reported to the committee: those named and its plans' "
            "(rolled up as for plan)"
        ),
    ] = None,
    is_key: bool | None = None,
) -> ReportFilters:
    """The filters every report takes, as the query string gives them."""
    return ReportFilters(
        org_unit_code=org_unit,
        plan_id=plan,
        objective_id=objective,
        committee_id=committee,
        is_key=is_key,
    )


async def scorecard_filters(
    session: SessionDep, filters: Annotated[ReportFilters, Depends(report_filters)]
) -> IndicatorFilter:
    """The report filters resolved (only active indicators are reported). A dependency, so a
    filter naming nothing fails before the report's own parameters are looked at, as it did."""
    return await ReportFilterService(session).resolve(filters=filters)


Filters = Annotated[IndicatorFilter, Depends(scorecard_filters)]

_RAG_VALUES = frozenset(rag.value for rag in Rag)
_RAGS = ", ".join(rag.value for rag in Rag)


async def rag_filter(
    rag: Annotated[
        list[str] | None,
        Query(
            description="Only the rows with these statuses: repeat it (rag=red&rag=amber) or "
            f"give a comma list (rag=red,amber); any of {_RAGS}"
        ),
    ] = None,
) -> frozenset[Rag] | None:
    """The statuses asked for; 422 naming any that is not one."""
    if rag is None:
        return None
    names = [name.strip() for value in rag for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in _RAG_VALUES]
    if unknown or not names:
        shown = ", ".join(repr(name[:50]) for name in unknown[:10]) or "nothing"
        raise InvalidInput(
            f"rag takes {_RAGS}, not {shown}.",
            errors=[field_error("rag", f"one or more of {_RAGS}", "enum", at="query")],
        )
    return frozenset(Rag(name) for name in names)


Rags = Annotated[frozenset[Rag] | None, Depends(rag_filter)]


@router.get(
    "/scorecard",
    response_model=Scorecard,
    responses={
        200: {
            "content": {
                "text/csv": _TEXT,
                XLSX_MEDIA_TYPE: _BINARY,
            }
        }
    },
)
async def get_scorecard(
    period: PeriodCode,
    principal: Reader,
    service: StatusServiceDep,
    session: SessionDep,
    filters: Filters,
    rags: Rags,
    export_format: Annotated[
        Literal["json", "csv", "xlsx"],
        Query(
            alias="format",
            description="csv: every field of each row, nested ones flattened; xlsx: for people",
        ),
    ] = "json",
) -> Scorecard | Response:
    """Every measure's status for a period, with a count per RAG status (of the rows shown)."""
    reports = ReportService(session, statuses=service)
    if export_format == "xlsx":
        card = await reports.scorecard(
            principal=principal, period_code=period, filters=filters, rags=rags
        )
        return Response(
            await anyio.to_thread.run_sync(scorecard_xlsx, card),
            media_type=XLSX_MEDIA_TYPE,
            headers=attachment(f"scorecard-{card.period}.xlsx"),
        )
    if export_format == "csv":
        card = await reports.scorecard(
            principal=principal, period_code=period, filters=filters, rags=rags
        )
        return Response(
            scorecard_csv(card),
            media_type=CSV_MEDIA_TYPE,
            headers=attachment(f"scorecard-{card.period}.csv"),
        )
    # Rows serialised once per data version (app.status.cache), not validated again on the way
    # out, and sent as the parts they are kept in.
    parts = await reports.scorecard_json(
        principal=principal, period_code=period, filters=filters, rags=rags
    )
    return PartsResponse(parts, media_type="application/json")


@router.get(
    "/exceptions",
    response_model=ExceptionReport,
    responses={200: {"content": {"text/csv": _TEXT}}},
)
async def get_exception_report(
    period: PeriodCode,
    principal: Reader,
    session: SessionDep,
    statuses: StatusServiceDep,
    filters: Filters,
    export_format: Annotated[
        Literal["json", "csv"],
        Query(
            alias="format",
            description="csv: every field of each row, nested ones flattened (actions as JSON)",
        ),
    ] = "json",
) -> ExceptionReport | Response:
    """Red and amber measures with value, target, shortfall, commentary and corrective actions;
    measures red two periods running and those with no corrective action called out."""
    report = await ReportService(session, statuses=statuses).exceptions(
        principal=principal, period_code=period, filters=filters
    )
    if export_format == "csv":
        return Response(
            exceptions_csv(report),
            media_type=CSV_MEDIA_TYPE,
            headers=attachment(f"exceptions-{report.period}.csv"),
        )
    return report


YearCode = Annotated[str, Query(description="A financial year, e.g. 2025-26")]
OutturnSessionmaker = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


@router.get(
    "/outturn",
    response_model=OutturnReport,
    responses={200: {"content": {"text/csv": _TEXT, XLSX_MEDIA_TYPE: _BINARY}}},
)
async def get_outturn(
    year: YearCode,
    _: Reader,
    session: SessionDep,
    settings: SettingsDep,
    sessionmaker: OutturnSessionmaker,
    filters: Filters,
    export_format: Annotated[
        Literal["json", "csv", "xlsx"],
        Query(alias="format", description="csv is streamed; xlsx is one sheet"),
    ] = "json",
) -> OutturnReport | Response:
    """The year's outturn for every measure: Q1-Q4, outturn, annual target, RAG and direction
    against last year, from approved figures (columns: README, "Outturn export columns")."""
    service = OutturnService(session, settings=settings)
    outturn_year = await service.year(code=year)
    if export_format == "csv":
        return _outturn_csv(sessionmaker, settings, outturn_year, filters)
    if export_format == "xlsx":
        return await _outturn_xlsx(service, outturn_year, filters)
    return await service.report(year=outturn_year, filters=filters)


@router.get(
    "/outturn.csv",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: _TEXT}, "description": "The outturn as CSV"}},
)
async def get_outturn_csv(
    year: YearCode,
    _: Reader,
    session: SessionDep,
    settings: SettingsDep,
    sessionmaker: OutturnSessionmaker,
    filters: Filters,
) -> Response:
    """The year's outturn as CSV, streamed: `GET /reports/outturn?format=csv` as its own
    operation, so that a generated client reads it as text."""
    outturn_year = await OutturnService(session, settings=settings).year(code=year)
    return _outturn_csv(sessionmaker, settings, outturn_year, filters)


@router.get(
    "/outturn.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: _BINARY}, "description": "The outturn workbook"}},
)
async def get_outturn_xlsx(
    year: YearCode,
    _: Reader,
    session: SessionDep,
    settings: SettingsDep,
    filters: Filters,
) -> Response:
    """The year's outturn as an XLSX workbook: `GET /reports/outturn?format=xlsx` as its own
    operation, so that a generated client reads it as a file."""
    service = OutturnService(session, settings=settings)
    return await _outturn_xlsx(service, await service.year(code=year), filters)


def _outturn_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    year: OutturnYear,
    filters: IndicatorFilter,
) -> StreamingResponse:
    return StreamingResponse(
        outturn_csv(sessionmaker, settings=settings, year=year, filters=filters),
        media_type=CSV_MEDIA_TYPE,
        headers=attachment(f"outturn-{year.code}.csv"),
    )


async def _outturn_xlsx(
    service: OutturnService, year: OutturnYear, filters: IndicatorFilter
) -> Response:
    return Response(
        await service.xlsx(year=year, filters=filters),
        media_type=XLSX_MEDIA_TYPE,
        headers=attachment(f"outturn-{year.code}.xlsx"),
    )


@router.get(
    "/board-pack",
    response_class=Response,
    responses={
        200: {
            "description": "The pack as a printable HTML page, a PDF or a Word document",
            "content": {
                MEDIA_TYPES[PackFormat.HTML]: _TEXT,
                MEDIA_TYPES[PackFormat.PDF]: _BINARY,
                MEDIA_TYPES[PackFormat.DOCX]: _BINARY,
            },
        }
    },
)
async def get_board_pack(
    period: PeriodCode,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    statuses: StatusServiceDep,
    filters: Filters,
    export_format: Annotated[
        PackFormat,
        Query(alias="format", description="html: a printable page; pdf: A4; docx: Word"),
    ] = PackFormat.HTML,
) -> Response:
    """The Performance Board pack: summary, narratives, every measure by plan, exceptions with
    commentary and owned actions, risks, projects and milestones, and key indicator charts."""
    service = BoardPackService(session, statuses=statuses, settings=settings)
    pack = await service.content(
        principal=principal, period_code=period, filters=filters, formats=(export_format,)
    )
    body = await service.render(pack=pack, export_format=export_format)
    headers = {}
    if export_format is not PackFormat.HTML:
        headers = attachment(f"board-pack-{pack.period_code}.{export_format.value}")
    return Response(body, media_type=MEDIA_TYPES[export_format], headers=headers)


@router.get("/narratives/{period}/{org_unit}", response_model=NarrativeRead)
async def get_narrative(
    period: str, org_unit: str, _: Reader, session: SessionDep, response: Response
) -> NarrativeRead:
    """What an org unit says about its performance in the period, as printed in the pack."""
    read, version = await NarrativeService(session).get(period_code=period, org_unit_code=org_unit)
    set_etag(response, version)
    return read


@router.put("/narratives/{period}/{org_unit}", response_model=NarrativeRead)
async def put_narrative(
    period: str,
    org_unit: str,
    body: NarrativeIn,
    principal: Annotated[Principal, Depends(require(Permission.NARRATIVES_WRITE))],
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> NarrativeRead:
    """Write the org unit's narrative for the period (performance team; directors and heads of
    service in their scope)."""
    read, version = await NarrativeService(session).put(
        principal=principal,
        period_code=period,
        org_unit_code=org_unit,
        data=body,
        if_match=if_match,
    )
    set_etag(response, version)
    return read
