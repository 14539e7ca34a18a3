"""Signing in, and turning a bearer token into a Principal."""

from __future__ import annotations

import logging
import math
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.dependencies import Authenticate
from app.access.permissions import Role
from app.access.principal import Grant, Principal
from app.auth.exceptions import InvalidCredentials, LoginThrottled, UnsupportedGrant
from app.auth.models import RefreshToken
from app.auth.oidc import OidcProvider
from app.auth.repository import AuthRepository
from app.clients.service import ClientService
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import holds_sqlite_write_lock, unit_of_work
from app.core.errors import NotAuthenticated
from app.core.security import (
    InvalidToken,
    SubjectKind,
    create_access_token,
    credential_fingerprint,
    decode_access_token,
    new_refresh_token,
    refresh_token_digest,
    unverified_issuer,
    verify_password,
)
from app.org.service import OrgService
from app.users.models import User
from app.users.schemas import RoleGrant, UserCreate
from app.users.service import UserService

logger = logging.getLogger("app.auth")

_INVALID = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
# How many provider tokens whose holder's roles are in line are remembered per process.
_SETTLED_TOKENS = 4096

_GENERIC_FAILURE = "The credentials are not valid."
_REFRESH_FAILURE = "The refresh token is not valid; sign in again."


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
    refresh_token: str | None = None


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
        refresh_token: str | None = None,
    ) -> IssuedToken:
        if grant_type == "password":
            if not username or password is None:
                raise InvalidCredentials(_GENERIC_FAILURE)
            user_id, fingerprint = await self._authenticate_user(
                email=username, password=password, address=address
            )
            return await self._sign_in(user_id, fingerprint, family_id=uuid.uuid4())
        if grant_type == "refresh_token":
            if not refresh_token:
                raise InvalidCredentials(_REFRESH_FAILURE, error="invalid_grant")
            return await self._refresh(refresh_token)
        if grant_type == "client_credentials":
            if not client_id or client_secret is None:
                raise InvalidCredentials(_GENERIC_FAILURE, error="invalid_client")
            client_uuid, fingerprint = await self._authenticate_client(
                client_id=client_id, client_secret=client_secret, address=address
            )
            return self._token(SubjectKind.CLIENT, client_uuid, fingerprint)
        raise UnsupportedGrant(
            f"grant_type {grant_type!r} is not supported; use password, refresh_token or "
            "client_credentials.",
            error="unsupported_grant_type",
        )

    def _token(
        self,
        kind: SubjectKind,
        subject_id: uuid.UUID,
        fingerprint: str | None,
        *,
        session_id: uuid.UUID | None = None,
    ) -> IssuedToken:
        token, expires_in = create_access_token(
            subject_kind=kind,
            subject_id=subject_id,
            secret_key=self.settings.secret_key,
            lifetime=timedelta(minutes=self.settings.access_token_minutes),
            issuer=self.settings.jwt_issuer,
            fingerprint=fingerprint,
            session_id=session_id,
        )
        return IssuedToken(access_token=token, expires_in=expires_in)

    async def _sign_in(
        self, user_id: uuid.UUID, fingerprint: str | None, *, family_id: uuid.UUID
    ) -> IssuedToken:
        """An access token and a new refresh token of the sign-in `family_id`."""
        now = utcnow()
        refresh = new_refresh_token()
        await self.repository.add_refresh_token(
            token=RefreshToken(
                token_digest=refresh_token_digest(refresh),
                family_id=family_id,
                user_id=user_id,
                fingerprint=fingerprint,
                issued_at=now,
                expires_at=now + timedelta(days=self.settings.refresh_token_days),
            )
        )
        # Expired tokens are kept as long again, so that a late reuse still ends its family.
        await self.repository.purge_refresh_tokens_before(
            user_id=user_id, before=now - timedelta(days=self.settings.refresh_token_days)
        )
        issued = self._token(SubjectKind.USER, user_id, fingerprint, session_id=family_id)
        return IssuedToken(
            access_token=issued.access_token, expires_in=issued.expires_in, refresh_token=refresh
        )

    async def _refresh(self, presented: str) -> IssuedToken:
        """Exchange a refresh token for a new pair: each is used once; one presented again
        was copied, and ends its whole family (every refresh and access token of the
        sign-in), whoever holds it."""
        now = utcnow()
        stored = await self.repository.refresh_token(digest=refresh_token_digest(presented))
        if stored is None or stored.revoked_at is not None:
            raise InvalidCredentials(_REFRESH_FAILURE, error="invalid_grant")
        if stored.used_at is not None or not await self.repository.use_refresh_token(
            token_id=stored.id, at=now
        ):
            await self.repository.revoke_family(family_id=stored.family_id, at=now)
            logger.warning(
                "refresh token reused; its sign-in is revoked",
                extra={"user_id": str(stored.user_id)},
            )
            raise InvalidCredentials(_REFRESH_FAILURE, error="invalid_grant")
        user = await self.repository.user_with_roles(user_id=stored.user_id)
        if (
            stored.expires_at <= now
            or user is None
            or not user.is_active
            or stored.fingerprint != credential_fingerprint(user.password_hash)
        ):
            await self.repository.revoke_family(family_id=stored.family_id, at=now)
            raise InvalidCredentials(_REFRESH_FAILURE, error="invalid_grant")
        return await self._sign_in(user.id, stored.fingerprint, family_id=stored.family_id)

    async def revoke(self, *, token: str) -> None:
        """RFC 7009: end the sign-in a refresh token or access token of this service belongs
        to; anything else (unknown, expired, already revoked) is quietly nothing to do."""
        now = utcnow()
        stored = await self.repository.refresh_token(digest=refresh_token_digest(token))
        if stored is not None:
            await self.repository.revoke_family(family_id=stored.family_id, at=now)
            return
        try:
            claims = decode_access_token(
                token, secret_key=self.settings.secret_key, issuer=self.settings.jwt_issuer
            )
        except InvalidToken:
            return
        if claims.session_id is not None:
            await self.repository.revoke_family(family_id=claims.session_id, at=now)

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
            client.tree = await OrgService(self.session).tree()
            return client
        user, revoked = await self.repository.user_in_session(
            user_id=claims.subject_id, session_id=claims.session_id
        )
        # A token issued before the password was set or reset carries another fingerprint;
        # one of a revoked sign-in (signed out, or its refresh token reused) is over too.
        if (
            user is None
            or revoked
            or not user.is_active
            or claims.fingerprint != credential_fingerprint(user.password_hash)
        ):
            raise NotAuthenticated("The access token is invalid or has expired.")
        return await self._principal_of(user.id, user.full_name, user.roles)

    async def user_principal(self, *, user_id: uuid.UUID) -> Principal | None:
        """An active user as a principal with their grants (the command line acts as one)."""
        user = await self.repository.user_with_roles(user_id=user_id)
        if user is None or not user.is_active:
            return None
        return await self._principal(user)

    async def _principal(self, user: User) -> Principal:
        return await self._principal_of(
            user.id, user.full_name, tuple((r.role, r.org_unit_id) for r in user.roles)
        )

    async def _principal_of(
        self,
        user_id: uuid.UUID,
        name: str,
        roles: Sequence[tuple[Role, uuid.UUID | None]],
    ) -> Principal:
        grants = tuple(Grant(role=role, org_unit_id=unit_id) for role, unit_id in roles)
        tree = None
        if any(grant.org_unit_id is not None for grant in grants):
            tree = await OrgService(self.session).tree()
        return Principal(kind=SubjectKind.USER, id=user_id, name=name, grants=grants, tree=tree)


class ProviderSignIn:
    """A person signed in by the council's OpenID Connect provider: matched by email to an
    active user (created only when ``GT_OIDC_CREATE_USERS=1``), their roles brought in line
    with the provider's groups (``GT_OIDC_GROUP_ROLES``) at each sign-in."""

    def __init__(self, provider: OidcProvider, *, settings: Settings) -> None:
        self.provider = provider
        self.settings = settings
        self.group_roles = group_role_map(settings)
        # Every (role, org unit) some group grants: the roles the provider decides. A role
        # granted by hand that no group names is left alone.
        self.managed = {
            (grant.role, grant.org_unit_code)
            for grants in self.group_roles.values()
            for grant in grants
        }
        # Tokens whose holder's roles were found in line already: not looked at again.
        self._settled: OrderedDict[str, None] = OrderedDict()

    async def principal(
        self,
        session: AsyncSession,
        token: str,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> Principal:
        try:
            claims = await self.provider.verify(token)
        except InvalidToken as exc:
            raise NotAuthenticated(
                "The identity provider's token is invalid or has expired.", headers=_INVALID
            ) from exc
        email = claims.get(self.settings.oidc_email_claim)
        if not isinstance(email, str) or "@" not in email:
            raise NotAuthenticated(
                f"The token has no {self.settings.oidc_email_claim} claim to match a person by.",
                headers=_INVALID,
            )
        email = email.strip()
        digest = refresh_token_digest(token)
        if digest not in self._settled:
            # What signing in changes (an account created, roles brought in line with the
            # groups) is committed in a unit of work of its own before the request reads on:
            # the request's session may be a read's, which on PostgreSQL runs outside a
            # transaction and writes nothing. It stands whatever the request then answers.
            # On SQLite, when the request's session holds the write lock already, a session of
            # its own would wait on it until the busy timeout: the request's session it is.
            if await holds_sqlite_write_lock(session):
                changed = await self._sign_in(session, email=email, claims=claims)
            else:
                async with unit_of_work(sessionmaker) as own:
                    changed = await self._sign_in(own, email=email, claims=claims)
            if not changed:
                # Settled once nothing needed changing: the token's later requests only read.
                self._settled[digest] = None
                while len(self._settled) > _SETTLED_TOKENS:
                    self._settled.popitem(last=False)
        user = await AuthRepository(session).user_by_email(email=email)
        principal = (
            None
            if user is None
            else await AuthService(session, settings=self.settings).user_principal(user_id=user.id)
        )
        if principal is None:
            raise NotAuthenticated("This account is deactivated.", headers=_INVALID)
        return principal

    async def _sign_in(self, session: AsyncSession, *, email: str, claims: dict[str, Any]) -> bool:
        """The person's account found (or created) and their roles brought in line; whether
        anything changed."""
        user = await AuthRepository(session).user_by_email(email=email)
        changed = user is None
        if user is None:
            user = await self._create(session, email=email, claims=claims)
        if not user.is_active:
            raise NotAuthenticated("This account is deactivated.", headers=_INVALID)
        if self.group_roles and self._names_groups(claims, user):
            changed = await self._apply_groups(session, user_id=user.id, claims=claims) or changed
        return changed

    def _names_groups(self, claims: dict[str, Any], user: User) -> bool:
        """Whether the token says which groups its holder is in. A provider that has too many
        groups to put in a token (Microsoft Entra ID past 200: "group overage") leaves the
        claim out and points at where to look instead (``_claim_names``); the groups are then
        unknown here, not none, so the roles stay as they are rather than all be taken away."""
        claim = self.settings.oidc_groups_claim
        if claim in claims:
            return True
        pointers = claims.get("_claim_names")
        if isinstance(pointers, dict) and claim in pointers:
            logger.warning(
                "the provider left the groups out of the token (group overage): roles unchanged;"
                " emit fewer groups (e.g. only those assigned to the application)",
                extra={"user_id": str(user.id), "claim": claim},
            )
            return False
        return True

    async def _create(self, session: AsyncSession, *, email: str, claims: dict[str, Any]) -> User:
        if not self.settings.oidc_create_users:
            raise NotAuthenticated(
                "No account here matches the identity provider's person; ask an admin.",
                headers=_INVALID,
            )
        name = claims.get("name")
        full_name = name.strip()[:200] if isinstance(name, str) and name.strip() else email
        try:
            data = UserCreate(email=email, full_name=full_name[:200])
        except ValidationError:
            raise NotAuthenticated(
                f"The token's {self.settings.oidc_email_claim} is not a usable email address.",
                headers=_INVALID,
            ) from None
        created, _ = await UserService(session).create(principal=None, data=data)
        logger.info("account created at first sign-in", extra={"user_id": str(created.id)})
        user = await AuthRepository(session).user_by_email(email=email)
        assert user is not None
        return user

    async def _apply_groups(
        self, session: AsyncSession, *, user_id: uuid.UUID, claims: dict[str, Any]
    ) -> bool:
        groups = claims.get(self.settings.oidc_groups_claim) or []
        if not isinstance(groups, list):
            groups = []
        names = [group for group in groups if isinstance(group, str)]
        grants = [grant for name in names for grant in self.group_roles.get(name, ())]
        codes = sorted({grant.org_unit_code for grant in grants if grant.org_unit_code})
        known = await AuthRepository(session).org_unit_ids(codes=codes)
        missing = [code for code in codes if code not in known]
        if missing:
            logger.warning("GT_OIDC_GROUP_ROLES names unknown org units", extra={"codes": missing})
        grants = [g for g in grants if g.org_unit_code is None or g.org_unit_code in known]
        managed = {key for key in self.managed if key[1] is None or key[1] in known}
        return await UserService(session).sync_roles(
            user_id=user_id,
            grants=grants,
            managed=managed,
            reason="OpenID Connect sign-in: roles of the groups "
            + (", ".join(sorted(names)) if names else "(none)"),
        )


def group_role_map(settings: Settings) -> dict[str, list[RoleGrant]]:
    """GT_OIDC_GROUP_ROLES as role grants; a role name or scope that cannot be granted stops
    the service from starting, rather than be skipped at every sign-in."""
    try:
        return {
            group: [
                RoleGrant(role=Role(grant.role), org_unit_code=grant.org_unit_code)
                for grant in grants
            ]
            for group, grants in settings.oidc_group_roles.items()
        }
    except ValueError as exc:
        raise ValueError(f"GT_OIDC_GROUP_ROLES: {exc}") from None


def make_authenticate(settings: Settings, *, provider: OidcProvider | None = None) -> Authenticate:
    """The way from a bearer token to its principal, installed as ``app.state.authenticate``:
    the service's own tokens, and (when configured) those of the OpenID Connect provider,
    told apart by the issuer they claim; either is then checked in full by its own rules."""
    provider = provider or OidcProvider.from_settings(settings)
    sign_in = ProviderSignIn(provider, settings=settings) if provider is not None else None

    async def authenticate(
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        token: str,
    ) -> Principal:
        if sign_in is not None and unverified_issuer(token) == sign_in.provider.issuer:
            return await sign_in.principal(session, token, sessionmaker)
        return await AuthService(session, settings=settings).principal_from_token(token=token)

    return authenticate
