from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response

from app.access.dependencies import CurrentPrincipal
from app.auth.schemas import TokenResponse
from app.auth.service import AuthService
from app.core.deps import SessionDep, SettingsDep
from app.users.schemas import MeRead
from app.users.service import UserService

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenResponse, response_model_exclude_none=True)
async def create_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    grant_type: Annotated[str, Form(description="password, refresh_token or client_credentials")],
    username: Annotated[str | None, Form(description="A person's email")] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form(description="Ignored: access follows roles")] = None,
    refresh_token: Annotated[
        str | None, Form(description="With grant_type=refresh_token: the last one issued")
    ] = None,
) -> TokenResponse:
    """Exchange a person's or a machine client's credentials, or a person's refresh token, for
    a bearer access token (a person also gets a new refresh token, each usable once)."""
    issued = await AuthService(session, settings=settings).issue_token(
        grant_type=grant_type,
        username=username,
        password=password,
        client_id=client_id,
        client_secret=client_secret,
        address=request.client.host if request.client else "unknown",
        refresh_token=refresh_token,
    )
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
    )


@router.post("/auth/revoke", status_code=200, response_class=Response)
async def revoke_token(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(description="A refresh token or access token of this service")],
    token_type_hint: Annotated[
        Literal["refresh_token", "access_token"] | None,
        Form(description="Optional; either kind is found whatever the hint"),
    ] = None,
) -> Response:
    """Sign out (RFC 7009): the sign-in the token belongs to ends, its refresh and access
    tokens with it. Answers 200 whatever the token, so it tells nothing about tokens."""
    await AuthService(session, settings=settings).revoke(token=token)
    return Response(status_code=200)


@router.get("/me", response_model=MeRead)
async def get_me(principal: CurrentPrincipal, session: SessionDep) -> MeRead:
    """Who the token belongs to, with roles, scopes and effective permissions."""
    return await UserService(session).describe(principal=principal)
