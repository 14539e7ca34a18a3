"""Signing in, and turning a bearer token into a Principal."""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.exceptions import InvalidCredentials, LoginThrottled, UnsupportedGrant
from app.auth.principal import Grant, Principal
from app.auth.repository import AuthRepository
from app.clients.service import ClientService
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import NotAuthenticated
from app.core.security import (
    InvalidToken,
    SubjectKind,
    create_access_token,
    decode_access_token,
    verify_password,
)
from app.org.tree import OrgTree

logger = logging.getLogger("app.auth")

_GENERIC_FAILURE = "The credentials are not valid."


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class AuthService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = AuthRepository(session)

    async def issue_token(
        self,
        *,
        grant_type: str,
        username: str | None,
        password: str | None,
        client_id: str | None,
        client_secret: str | None,
        address: str,
    ) -> IssuedToken:
        if grant_type == "password":
            if not username or password is None:
                raise InvalidCredentials(_GENERIC_FAILURE)
            user_id = await self._authenticate_user(
                email=username, password=password, address=address
            )
            return self._token(SubjectKind.USER, user_id)
        if grant_type == "client_credentials":
            client_uuid = await ClientService(self.session).authenticate(
                client_id=client_id, client_secret=client_secret
            )
            if client_uuid is None:
                raise InvalidCredentials(_GENERIC_FAILURE)
            return self._token(SubjectKind.CLIENT, client_uuid)
        raise UnsupportedGrant(
            f"grant_type {grant_type!r} is not supported; use password or client_credentials.",
            error="unsupported_grant_type",
        )

    def _token(self, kind: SubjectKind, subject_id: uuid.UUID) -> IssuedToken:
        token, expires_in = create_access_token(
            subject_kind=kind,
            subject_id=subject_id,
            secret_key=self.settings.secret_key,
            lifetime=timedelta(minutes=self.settings.access_token_minutes),
            issuer=self.settings.jwt_issuer,
        )
        return IssuedToken(access_token=token, expires_in=expires_in)

    async def _authenticate_user(self, *, email: str, password: str, address: str) -> uuid.UUID:
        email = email.strip().lower()
        account_key, address_key = f"account:{email}", f"address:{address}"
        now = utcnow()
        window = timedelta(seconds=self.settings.login_window_seconds)
        failures = await self.repository.failures_since(
            keys=[account_key, address_key], since=now - window
        )
        for key, limit in (
            (account_key, self.settings.login_max_failures),
            (address_key, self.settings.login_max_failures_per_address),
        ):
            if len(failures[key]) >= limit:
                oldest_counted = failures[key][-limit]
                retry_after = max(1, math.ceil((oldest_counted + window - now).total_seconds()))
                raise LoginThrottled(
                    "Too many failed sign-ins; wait before trying again.",
                    headers={"Retry-After": str(retry_after)},
                )

        user = await self.repository.user_by_email(email=email)
        # Verify even when the account is unknown or inactive, so timing says nothing.
        password_ok = verify_password(password, user.password_hash if user else None)
        if user is None or not password_ok or not user.is_active:
            await self.repository.add_failures(keys=[account_key, address_key], at=now)
            await self.repository.purge_failures_before(before=now - window)
            logger.info("sign-in refused", extra={"address": address})
            raise InvalidCredentials(_GENERIC_FAILURE, error="invalid_grant")
        await self.repository.clear_failures(key=account_key)
        return user.id

    async def principal_from_token(self, *, token: str) -> Principal:
        """Resolve a bearer token to a live principal; 401 for anything not current."""
        try:
            claims = decode_access_token(
                token, secret_key=self.settings.secret_key, issuer=self.settings.jwt_issuer
            )
        except InvalidToken as exc:
            raise NotAuthenticated("The access token is invalid or has expired.") from exc
        if claims.subject_kind is SubjectKind.CLIENT:
            client = await ClientService(self.session).principal_for(client_uuid=claims.subject_id)
            if client is None:
                raise NotAuthenticated("The access token is invalid or has expired.")
            if not client.client_unit_ids:
                return client
            client.tree = OrgTree(await self.repository.org_parent_map())
            return client
        principal = await self.user_principal(user_id=claims.subject_id)
        if principal is None:
            raise NotAuthenticated("The access token is invalid or has expired.")
        return principal

    async def user_principal(self, *, user_id: uuid.UUID) -> Principal | None:
        """An active user as a principal with their grants (the command line acts as one)."""
        user = await self.repository.user_with_roles(user_id=user_id)
        if user is None or not user.is_active:
            return None
        grants = tuple(Grant(role=r.role, org_unit_id=r.org_unit_id) for r in user.roles)
        tree = None
        if any(grant.org_unit_id is not None for grant in grants):
            tree = OrgTree(await self.repository.org_parent_map())
        return Principal(
            kind=SubjectKind.USER, id=user.id, name=user.email, grants=grants, tree=tree
        )
