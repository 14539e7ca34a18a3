from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from app.access.dependencies import CurrentPrincipal, require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.spc.schemas import (
    IndicatorSpcRead,
    SpcRead,
    SpcRequest,
    SpcSettingsIn,
    SpcSettingsRead,
)
from app.spc.service import SpcService

SVG_MEDIA_TYPE = "image/svg+xml"

router = APIRouter(prefix="/spc", tags=["spc"])
indicator_router = APIRouter(prefix="/indicators", tags=["spc"])

Reader = Annotated[Principal, Depends(require(Permission.INDICATORS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INDICATORS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]
Until = Annotated[
    str | None,
    Query(description="Approved values of periods ending by the end of this one (default: all)"),
]
RunLengthQuery = Annotated[
    int | None, Query(ge=6, le=7, description="6 or 7: override the stored run length")
]
ScreenQuery = Annotated[
    bool | None, Query(description="Override the indicator's stored outlier screening")
]


@router.post("", response_model=SpcRead)
async def analyse_series(body: SpcRequest, _: CurrentPrincipal) -> SpcRead:
    """An XmR chart of any series: limits, special cause points and the NHS icons."""
    return SpcService.analyse(data=body)


@indicator_router.get("/{code}/spc", response_model=IndicatorSpcRead)
async def get_indicator_spc(
    code: str,
    _: Reader,
    session: SessionDep,
    until: Until = None,
    run_length: RunLengthQuery = None,
    screen_outliers: ScreenQuery = None,
) -> IndicatorSpcRead:
    """The XmR chart of an indicator's approved values, with its stored SPC settings."""
    return await SpcService(session).indicator_spc(
        code=code, until=until, run_length=run_length, screen_outliers=screen_outliers
    )


@indicator_router.get(
    "/{code}/chart.svg",
    response_class=Response,
    responses={200: {"content": {SVG_MEDIA_TYPE: {}}, "description": "An SVG image"}},
)
async def get_indicator_chart(
    code: str,
    _: Reader,
    session: SessionDep,
    until: Until = None,
    run_length: RunLengthQuery = None,
    screen_outliers: ScreenQuery = None,
) -> Response:
    """The indicator's XmR chart as an accessible SVG image (points coloured by type)."""
    svg = await SpcService(session).chart_svg(
        code=code, until=until, run_length=run_length, screen_outliers=screen_outliers
    )
    return Response(svg, media_type=SVG_MEDIA_TYPE)


@indicator_router.get("/{code}/spc-settings", response_model=SpcSettingsRead)
async def get_spc_settings(
    code: str, _: Reader, session: SessionDep, response: Response
) -> SpcSettingsRead:
    """How the indicator's XmR chart is fitted: run length, screening, baseline, recalculations."""
    settings, version = await SpcService(session).settings(code=code)
    set_etag(response, version)
    return settings


@indicator_router.put("/{code}/spc-settings", response_model=SpcSettingsRead)
async def put_spc_settings(
    code: str,
    body: SpcSettingsIn,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> SpcSettingsRead:
    """Replace the indicator's SPC settings; each recalculation point needs a reason."""
    settings, version = await SpcService(session).update_settings(
        principal=principal, code=code, data=body, if_match=if_match
    )
    set_etag(response, version)
    return settings
