from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.committees.schemas import CommitteeCreate, CommitteeRead, CommitteeUpdate
from app.committees.service import CommitteeService
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page

router = APIRouter(prefix="/committees", tags=["committees"])

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PLANS_WRITE))]


@router.get("", response_model=Page[CommitteeRead])
async def list_committees(_: Reader, session: SessionDep, paging: Paging) -> Page[CommitteeRead]:
    """Committees and boards, with what is reported to each."""
    items, total = await CommitteeService(session).list_committees(
        offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=CommitteeRead, status_code=status.HTTP_201_CREATED)
async def create_committee(
    body: CommitteeCreate, principal: Writer, session: SessionDep, response: Response
) -> CommitteeRead:
    """Create a committee and name the indicators, plans and risks reported to it."""
    created, _version = await CommitteeService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/committees/{created.id}"
    return created


@router.get("/{committee_id}", response_model=CommitteeRead)
async def get_committee(
    committee_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> CommitteeRead:
    """One committee."""
    read, version = await CommitteeService(session).read(committee_id=committee_id)
    set_etag(response, version)
    return read


@router.patch("/{committee_id}", response_model=CommitteeRead)
async def update_committee(
    committee_id: uuid.UUID,
    body: CommitteeUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> CommitteeRead:
    """Rename a committee or change what is reported to it (lists replace)."""
    read, version = await CommitteeService(session).update(
        principal=principal, committee_id=committee_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read
