"""Signing in, and turning a bearer token into a Principal."""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Grant, Principal
from app.auth.exceptions import InvalidCredentials, LoginThrottled, UnsupportedGrant
from app.auth.repository import AuthRepository
from app.clients.service import ClientService
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import NotAuthenticated
from app.core.security import (
    InvalidToken,
    SubjectKind,
    create_access_token,
    credential_fingerprint,
    decode_access_token,
    verify_password,
)
from app.org.tree import OrgTree
from app.users.models import User

logger = logging.getLogger("app.auth")

_GENERIC_FAILURE = "The credentials are not valid."


@dataclass(frozen=True)
class _Attempt:
    subject_key: str  # account:<email> or client:<client_id>
    address: str
    at: datetime

    @property
    def address_key(self) -> str:
        return f"address:{self.address}"


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
            user_id, fingerprint = await self._authenticate_user(
                email=username, password=password, address=address
            )
            return self._token(SubjectKind.USER, user_id, fingerprint)
        if grant_type == "client_credentials":
            if not client_id or client_secret is None:
                raise InvalidCredentials(_GENERIC_FAILURE, error="invalid_client")
            client_uuid, fingerprint = await self._authenticate_client(
                client_id=client_id, client_secret=client_secret, address=address
            )
            return self._token(SubjectKind.CLIENT, client_uuid, fingerprint)
        raise UnsupportedGrant(
            f"grant_type {grant_type!r} is not supported; use password or client_credentials.",
            error="unsupported_grant_type",
        )

    def _token(
        self, kind: SubjectKind, subject_id: uuid.UUID, fingerprint: str | None
    ) -> IssuedToken:
        token, expires_in = create_access_token(
            subject_kind=kind,
            subject_id=subject_id,
            secret_key=self.settings.secret_key,
            lifetime=timedelta(minutes=self.settings.access_token_minutes),
            issuer=self.settings.jwt_issuer,
            fingerprint=fingerprint,
        )
        return IssuedToken(access_token=token, expires_in=expires_in)

    async def _authenticate_user(
        self, *, email: str, password: str, address: str
    ) -> tuple[uuid.UUID, str | None]:
        email = email.strip().lower()
        attempt = await self._throttle(subject_key=f"account:{email}", address=address)
        user = await self.repository.user_by_email(email=email)
        # Verify even when the account is unknown or inactive, so timing says nothing.
        password_ok = await verify_password(password, user.password_hash if user else None)
        if user is None or not password_ok or not user.is_active:
            await self._refuse(attempt, error="invalid_grant")
        await self.repository.clear_failures(key=attempt.subject_key)
        return user.id, credential_fingerprint(user.password_hash)

    async def _authenticate_client(
        self, *, client_id: str, client_secret: str, address: str
    ) -> tuple[uuid.UUID, str | None]:
        # Throttled like people: per client id and per address, before any hashing, so
        # guessing secrets (or stalling the server with Argon2) costs the guesser, not us.
        attempt = await self._throttle(subject_key=f"client:{client_id}", address=address)
        client = await ClientService(self.session).authenticate(
            client_id=client_id, client_secret=client_secret
        )
        if client is None:
            await self._refuse(attempt, error="invalid_client")
        await self.repository.clear_failures(key=attempt.subject_key)
        return client.id, credential_fingerprint(client.secret_hash)

    async def _throttle(self, *, subject_key: str, address: str) -> _Attempt:
        """Refuse (429) while the account, client or address has too many recent failures."""
        attempt = _Attempt(subject_key=subject_key, address=address, at=utcnow())
        window = timedelta(seconds=self.settings.login_window_seconds)
        failures = await self.repository.failures_since(
            keys=[attempt.subject_key, attempt.address_key], since=attempt.at - window
        )
        for key, limit in (
            (attempt.subject_key, self.settings.login_max_failures),
            (attempt.address_key, self.settings.login_max_failures_per_address),
        ):
            if len(failures[key]) >= limit:
                oldest_counted = failures[key][-limit]
                retry_after = max(
                    1, math.ceil((oldest_counted + window - attempt.at).total_seconds())
                )
                raise LoginThrottled(
                    "Too many failed sign-ins; wait before trying again.",
                    headers={"Retry-After": str(retry_after)},
                )
        return attempt

    async def _refuse(self, attempt: _Attempt, *, error: str) -> NoReturn:
        """Count the failure against the account or client and the address, and answer 401."""
        window = timedelta(seconds=self.settings.login_window_seconds)
        await self.repository.add_failures(
            keys=[attempt.subject_key, attempt.address_key], at=attempt.at
        )
        await self.repository.purge_failures_before(before=attempt.at - window)
        logger.info("sign-in refused", extra={"address": attempt.address})
        raise InvalidCredentials(_GENERIC_FAILURE, error=error)

    async def principal_from_token(self, *, token: str) -> Principal:
        """Resolve a bearer token to a live principal; 401 for anything not current."""
        try:
            claims = decode_access_token(
                token, secret_key=self.settings.secret_key, issuer=self.settings.jwt_issuer
            )
        except InvalidToken as exc:
            raise NotAuthenticated("The access token is invalid or has expired.") from exc
        if claims.subject_kind is SubjectKind.CLIENT:
            client = await ClientService(self.session).principal_for(
                client_uuid=claims.subject_id, fingerprint=claims.fingerprint
            )
            if client is None:
                raise NotAuthenticated("The access token is invalid or has expired.")
            if not client.client_unit_ids:
                return client
            client.tree = OrgTree(await self.repository.org_parent_map())
            return client
        user = await self.repository.user_with_roles(user_id=claims.subject_id)
        # A token issued before the password was set or reset carries another fingerprint.
        if (
            user is None
            or not user.is_active
            or claims.fingerprint != credential_fingerprint(user.password_hash)
        ):
            raise NotAuthenticated("The access token is invalid or has expired.")
        return await self._principal(user)

    async def user_principal(self, *, user_id: uuid.UUID) -> Principal | None:
        """An active user as a principal with their grants (the command line acts as one)."""
        user = await self.repository.user_with_roles(user_id=user_id)
        if user is None or not user.is_active:
            return None
        return await self._principal(user)

    async def _principal(self, user: User) -> Principal:
        grants = tuple(Grant(role=r.role, org_unit_id=r.org_unit_id) for r in user.roles)
        tree = None
        if any(grant.org_unit_id is not None for grant in grants):
            tree = OrgTree(await self.repository.org_parent_map())
        return Principal(
            kind=SubjectKind.USER, id=user.id, name=user.full_name, grants=grants, tree=tree
        )


async def authenticate(session: AsyncSession, settings: Settings, token: str) -> Principal:
    """The principal a bearer token stands for; installed as ``app.state.authenticate``."""
    return await AuthService(session, settings=settings).principal_from_token(token=token)
