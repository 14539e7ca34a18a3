"""Resolving the principal once per request, and declaring the permission a route needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth.exceptions import PermissionDenied
from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.auth.service import AuthService
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import NotAuthenticated

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

_PRINCIPAL_KEY = "principal"


async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    cached: Principal | None = getattr(request.state, _PRINCIPAL_KEY, None)
    if cached is not None:
        return cached
    if not token:
        raise NotAuthenticated("Sign in: this endpoint needs a bearer token.")
    principal = await AuthService(session, settings=settings).principal_from_token(token=token)
    setattr(request.state, _PRINCIPAL_KEY, principal)
    return principal


async def optional_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal | None:
    """The principal when a token is sent (public endpoints serve both)."""
    if not token:
        return None
    return await current_principal(request, session, settings, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller must hold `permission` somewhere (the service checks where)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has(permission):
            raise PermissionDenied(f"This needs the {permission.value} permission.")
        return principal

    dependency.__name__ = f"require_{permission.name.lower()}"
    return dependency
