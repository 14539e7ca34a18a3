"""Public transparency endpoints: no login, published indicators, approved figures only."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel

from app.achievements.schemas import PublicAchievement
from app.core.deps import SessionDep, SettingsDep
from app.core.pagination import Paging
from app.core.schemas import Page
from app.core.tabular import CSV_MEDIA_TYPE, attachment, flat_columns, flat_csv
from app.public.schemas import (
    PublicIndicator,
    PublicIndicatorDetail,
    PublicScorecard,
    PublicStatus,
)
from app.public.service import PublicService
from app.status.dependencies import StatusServiceDep

router = APIRouter(prefix="/public", tags=["public"])

CACHE_CONTROL = "public, max-age=300"
OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LICENCE_LINK = f'<{OGL}>; rel="license"; title="Open Government Licence v3.0"'
PUBLIC_COLUMNS = flat_columns(PublicStatus)
IfNoneMatch = Annotated[
    str | None, Header(description="An ETag you hold; 304 with no body while it is current")
]
_CACHED: dict[int | str, dict[str, Any]] = {
    status.HTTP_304_NOT_MODIFIED: {"description": "Not modified: the ETag sent is current"}
}


def content_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, current: str) -> bool:
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or current in tags


def cached(model: BaseModel, if_none_match: str | None) -> Response:
    """The JSON body with a content ETag and a five-minute public cache lifetime; 304 when the
    client already holds this content."""
    body = model.model_dump_json().encode()
    tag = content_etag(body)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if matches(if_none_match, tag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


@router.get("/indicators", response_model=Page[PublicIndicator], responses=_CACHED)
async def list_public_indicators(
    session: SessionDep,
    settings: SettingsDep,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100, description="Search code and title")] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The council's published indicators (no login needed)."""
    items, total = await PublicService(session, settings=settings).list_page(
        q=q, offset=paging.offset, limit=paging.page_size
    )
    page = Page[PublicIndicator](
        items=items, page=paging.page, page_size=paging.page_size, total=total
    )
    return cached(page, if_none_match)


@router.get("/indicators/{code}", response_model=PublicIndicatorDetail, responses=_CACHED)
async def get_public_indicator(
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    financial_year: Annotated[str | None, Query(description="e.g. 2025-26")] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """A published indicator with its approved figures, targets and RAG, period by period."""
    detail = await PublicService(session, settings=settings).indicator(
        code, financial_year=financial_year
    )
    return cached(detail, if_none_match)


@router.get(
    "/scorecard",
    response_model=PublicScorecard,
    responses={
        **_CACHED,
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "headers": {
                "Link": {
                    "description": 'The licence: rel="license" (OGL v3.0)',
                    "schema": {"type": "string"},
                }
            },
        },
    },
)
async def get_public_scorecard(
    period: Annotated[str, Query(description="2025-26, 2025-26-Q2 or 2025-04")],
    session: SessionDep,
    settings: SettingsDep,
    statuses: StatusServiceDep,
    if_none_match: IfNoneMatch = None,
    export_format: Annotated[
        Literal["json", "csv"],
        Query(alias="format", description="csv: every field of each row, one line each"),
    ] = "json",
) -> Response:
    """Every published measure's status for a period, from approved figures, under the Open
    Government Licence v3.0 (named in the Link header)."""
    card = await PublicService(session, settings=settings).scorecard(
        period_code=period, statuses=statuses
    )
    if export_format == "csv":
        body = flat_csv(card.rows, PUBLIC_COLUMNS).encode()
        tag = content_etag(body)
        headers = {
            "ETag": tag,
            "Cache-Control": CACHE_CONTROL,
            "Link": LICENCE_LINK,
            **attachment(f"public-scorecard-{card.period}.csv"),
        }
        if matches(if_none_match, tag):
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, media_type=CSV_MEDIA_TYPE, headers=headers)
    response = cached(card, if_none_match)
    response.headers["Link"] = LICENCE_LINK
    return response


@router.get("/achievements", response_model=Page[PublicAchievement], responses=_CACHED)
async def list_public_achievements(
    session: SessionDep,
    settings: SettingsDep,
    paging: Paging,
    period: Annotated[
        str | None, Query(max_length=32, description="This period and the periods within it")
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The council's key achievements, approved and marked public (no login needed)."""
    items, total = await PublicService(session, settings=settings).achievements(
        period_code=period, offset=paging.offset, limit=paging.page_size
    )
    page = Page[PublicAchievement](
        items=items, page=paging.page, page_size=paging.page_size, total=total
    )
    return cached(page, if_none_match)
