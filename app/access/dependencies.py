"""Resolving the principal once per request, and declaring the permission a route needs.

How a bearer token becomes a principal is the sign-in domain's business (``app.auth``); the
app installs it as ``app.state.authenticate`` (see ``app.main``), so this module, which every
router imports, imports no domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.config import Settings
from app.core.deps import SessionDep
from app.core.errors import NotAuthenticated

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
# The same Authorization header, carrying a token of the council's OpenID Connect provider
# (accepted when GT_OIDC_ISSUER and GT_OIDC_AUDIENCE are set); declared so the OpenAPI
# document names it as the other way in. The token itself is read through oauth2_scheme.
provider_bearer = HTTPBearer(
    scheme_name="OpenIDConnectBearer",
    bearerFormat="JWT",
    description="An access token of the council's OpenID Connect provider (GT_OIDC_ISSUER), "
    "issued for this API (GT_OIDC_AUDIENCE).",
    auto_error=False,
)
ProviderBearer = Annotated[HTTPAuthorizationCredentials | None, Depends(provider_bearer)]

_PRINCIPAL_KEY = "principal"

# The installed way from a bearer token to the principal it stands for (401 when it stands
# for no one): given the request's session to read with, and the sessionmaker for what signing
# in must write (a unit of work of its own: a read's session never writes).
Authenticate = Callable[
    [AsyncSession, async_sessionmaker[AsyncSession], Settings, str], Awaitable[Principal]
]


async def current_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    _provider: ProviderBearer,
) -> Principal:
    cached: Principal | None = getattr(request.state, _PRINCIPAL_KEY, None)
    if cached is not None:
        return cached
    if not token:
        raise NotAuthenticated("Sign in: this endpoint needs a bearer token.")
    # The settings and the sessionmaker from the app's state rather than as dependencies:
    # each dependency FastAPI solves costs every request tens of microseconds.
    state = request.app.state
    authenticate: Authenticate = state.authenticate
    settings: Settings = state.settings
    sessionmaker: async_sessionmaker[AsyncSession] = state.sessionmaker
    principal = await authenticate(session, sessionmaker, settings, token)
    setattr(request.state, _PRINCIPAL_KEY, principal)
    return principal


async def optional_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    _provider: ProviderBearer,
) -> Principal | None:
    """The principal when a token is sent (public endpoints serve both)."""
    if not token:
        return None
    return await current_principal(request, session, token, _provider)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller must hold `permission` somewhere (the service checks where)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has(permission):
            raise PermissionDenied(f"This needs the {permission.value} permission.")
        return principal

    dependency.__name__ = f"require_{permission.name.lower()}"
    return dependency
