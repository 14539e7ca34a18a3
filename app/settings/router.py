from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from app.access.dependencies import CurrentPrincipal, require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep, SettingsDep
from app.core.etag import set_etag
from app.settings.schemas import CouncilIn, CouncilRead, RagSettingsRead, ToleranceIn
from app.settings.service import SettingsService

router = APIRouter(prefix="/settings", tags=["settings"])


@router.get("/rag", response_model=RagSettingsRead)
async def get_rag_settings(
    _: CurrentPrincipal, session: SessionDep, settings: SettingsDep, response: Response
) -> RagSettingsRead:
    """The council-wide default RAG tolerance."""
    read, version = await SettingsService(session, settings=settings).rag()
    set_etag(response, version)
    return read


@router.put("/rag", response_model=RagSettingsRead)
async def update_rag_settings(
    body: ToleranceIn,
    principal: Annotated[Principal, Depends(require(Permission.SETTINGS_WRITE))],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> RagSettingsRead:
    """Set the default RAG tolerance (admin); indicators with their own keep theirs."""
    read, version = await SettingsService(session, settings=settings).update_rag(
        principal=principal, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.get("/council", response_model=CouncilRead)
async def get_council_settings(
    _: CurrentPrincipal, session: SessionDep, settings: SettingsDep, response: Response
) -> CouncilRead:
    """The council's name and logo on its reports, and when figures reach the public pages."""
    read, version = await SettingsService(session, settings=settings).council()
    set_etag(response, version)
    return read


@router.put("/council", response_model=CouncilRead)
async def update_council_settings(
    body: CouncilIn,
    principal: Annotated[Principal, Depends(require(Permission.SETTINGS_WRITE))],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> CouncilRead:
    """Set the council's name, logo (a safe SVG, else 422) and public release rule (admin)."""
    read, version = await SettingsService(session, settings=settings).update_council(
        principal=principal, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read
