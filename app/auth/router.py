from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.access.dependencies import CurrentPrincipal
from app.auth.schemas import TokenResponse
from app.auth.service import AuthService
from app.core.deps import SessionDep, SettingsDep
from app.users.schemas import MeRead
from app.users.service import UserService

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenResponse)
async def create_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    grant_type: Annotated[str, Form(description="password or client_credentials")],
    username: Annotated[str | None, Form(description="A person's email")] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form(description="Ignored: access follows roles")] = None,
) -> TokenResponse:
    """Exchange a person's or a machine client's credentials for a bearer access token."""
    issued = await AuthService(session, settings=settings).issue_token(
        grant_type=grant_type,
        username=username,
        password=password,
        client_id=client_id,
        client_secret=client_secret,
        address=request.client.host if request.client else "unknown",
    )
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get("/me", response_model=MeRead)
async def get_me(principal: CurrentPrincipal, session: SessionDep) -> MeRead:
    """Who the token belongs to, with roles, scopes and effective permissions."""
    return await UserService(session).describe(principal=principal)
