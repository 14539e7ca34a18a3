from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.clients.schemas import ApiClientCreate, ApiClientRead, ApiClientWithSecret
from app.clients.service import ClientService
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page

router = APIRouter(prefix="/api-clients", tags=["api-clients"])

Manager = Annotated[Principal, Depends(require(Permission.API_CLIENTS_MANAGE))]


@router.get("", response_model=Page[ApiClientRead])
async def list_api_clients(_: Manager, session: SessionDep, paging: Paging) -> Page[ApiClientRead]:
    """Machine clients, active and revoked."""
    items, total = await ClientService(session).list_page(
        offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=ApiClientWithSecret, status_code=status.HTTP_201_CREATED)
async def create_api_client(
    body: ApiClientCreate, principal: Manager, session: SessionDep, response: Response
) -> ApiClientWithSecret:
    """Register a machine client; the secret is in this answer and nowhere else, ever."""
    created, _version = await ClientService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/api-clients/{created.id}"
    response.headers["Cache-Control"] = "no-store"
    return created


@router.get("/{client_id}", response_model=ApiClientRead)
async def get_api_client(
    client_id: uuid.UUID, _: Manager, session: SessionDep, response: Response
) -> ApiClientRead:
    """One machine client (never its secret)."""
    read, version = await ClientService(session).read(client_uuid=client_id)
    set_etag(response, version)
    return read


@router.post("/{client_id}/rotate", response_model=ApiClientWithSecret)
async def rotate_api_client_secret(
    client_id: uuid.UUID, principal: Manager, session: SessionDep, response: Response
) -> ApiClientWithSecret:
    """Issue a new secret; the old one stops working at once."""
    response.headers["Cache-Control"] = "no-store"
    rotated, _version = await ClientService(session).rotate(
        principal=principal, client_uuid=client_id
    )
    return rotated


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_client(
    client_id: uuid.UUID,
    principal: Manager,
    session: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> None:
    """Revoke a machine client: it can no longer sign in and its tokens stop working."""
    await ClientService(session).revoke(
        principal=principal, client_uuid=client_id, if_match=if_match
    )
