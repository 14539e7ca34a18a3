from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission, Role
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page
from app.users.schemas import RoleGrant, UserCreate, UserRead, UserUpdate
from app.users.service import UserService

router = APIRouter(prefix="/users", tags=["users"])

Reader = Annotated[Principal, Depends(require(Permission.USERS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.USERS_WRITE))]


@router.get("", response_model=Page[UserRead])
async def list_users(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100, description="Search email and name")] = None,
    is_active: bool | None = None,
    role: Role | None = None,
    org_unit: Annotated[
        str | None, Query(description="Holders of a role in this unit or below it")
    ] = None,
    manager_id: Annotated[
        uuid.UUID | None, Query(description="The people this user line-manages directly")
    ] = None,
) -> Page[UserRead]:
    """List people, filtered by name, activity, role, org unit or line manager."""
    items, total = await UserService(session).list(
        q=q,
        manager_id=manager_id,
        is_active=is_active,
        role=role,
        org_unit_code=org_unit,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(
    body: UserCreate, principal: Writer, session: SessionDep, response: Response
) -> UserRead:
    """Create a person's account, optionally with roles."""
    created, version = await UserService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/users/{created.id}"
    set_etag(response, version)
    return created


@router.get("/{user_id}", response_model=UserRead)
async def get_user(
    user_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> UserRead:
    """One person's account and roles."""
    read, version = await UserService(session).read(user_id=user_id)
    set_etag(response, version)
    return read


@router.patch("/{user_id}", response_model=UserRead)
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> UserRead:
    """Change a person's details or password, or deactivate them (their tokens stop working)."""
    read, version = await UserService(session).update(
        principal=principal, user_id=user_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.post("/{user_id}/roles", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def grant_user_role(
    user_id: uuid.UUID, body: RoleGrant, principal: Writer, session: SessionDep
) -> UserRead:
    """Give a person a role over an org unit and everything below it (null: the whole council)."""
    read, _version = await UserService(session).grant_role(
        principal=principal, user_id=user_id, grant=body
    )
    return read


@router.delete("/{user_id}/roles", response_model=UserRead)
async def revoke_user_role(
    user_id: uuid.UUID,
    body: RoleGrant,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> UserRead:
    """Take a role away from a person."""
    read, version = await UserService(session).revoke_role(
        principal=principal, user_id=user_id, grant=body, if_match=if_match
    )
    set_etag(response, version)
    return read
