from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.org.models import OrgUnitKind
from app.org.schemas import OrgUnitCreate, OrgUnitRead, OrgUnitUpdate
from app.org.service import OrgService

router = APIRouter(prefix="/org-units", tags=["org-units"])

Reader = Annotated[Principal, Depends(require(Permission.ORG_READ))]
Writer = Annotated[Principal, Depends(require(Permission.ORG_WRITE))]


@router.get("", response_model=Page[OrgUnitRead])
async def list_org_units(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    kind: OrgUnitKind | None = None,
    parent_code: Annotated[str | None, Query(description="Direct children of this unit")] = None,
    within: Annotated[str | None, Query(description="This unit and all below it")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Search code and name")] = None,
) -> Page[OrgUnitRead]:
    """List org units, filtered by kind, parent or subtree."""
    items, total = await OrgService(session).list(
        kind=kind,
        parent_code=parent_code,
        within_code=within,
        q=q,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=OrgUnitRead, status_code=status.HTTP_201_CREATED)
async def create_org_unit(
    body: OrgUnitCreate, principal: Writer, session: SessionDep, response: Response
) -> OrgUnitRead:
    """Add an org unit to the tree."""
    created, version = await OrgService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/org-units/{created.code}"
    set_etag(response, version)
    return created


@router.get("/{code}", response_model=OrgUnitRead)
async def get_org_unit(
    code: str, _: Reader, session: SessionDep, response: Response
) -> OrgUnitRead:
    """One org unit by its code."""
    read, version = await OrgService(session).get(code=code)
    set_etag(response, version)
    return read


@router.patch("/{code}", response_model=OrgUnitRead)
async def update_org_unit(
    code: str,
    body: OrgUnitUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> OrgUnitRead:
    """Rename, re-kind or move an org unit (never below itself)."""
    updated, version = await OrgService(session).update(
        principal=principal, code=code, data=body, if_match=if_match
    )
    set_etag(response, version)
    return updated
