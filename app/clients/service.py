"""Machine clients: created by an admin, secret shown once, rotated and revoked."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.clients.exceptions import ApiClientNotFound
from app.clients.models import ApiClient
from app.clients.repository import ClientRepository
from app.clients.schemas import ApiClientCreate, ApiClientRead, ApiClientWithSecret
from app.clients.scopes import ClientScope, permissions_for
from app.core.clock import utcnow
from app.core.etag import check_if_match
from app.core.security import (
    SubjectKind,
    credential_fingerprint,
    hash_password,
    verify_password,
)
from app.org.models import OrgUnit
from app.org.service import OrgService


def to_read(client: ApiClient) -> ApiClientRead:
    return ApiClientRead(
        id=client.id,
        name=client.name,
        client_id=client.client_id,
        scopes=[ClientScope(scope) for scope in client.scopes],
        org_unit_codes=sorted(unit.code for unit in client.org_units),
        is_active=client.is_active,
        created_at=client.created_at,
        revoked_at=client.revoked_at,
    )


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class ClientService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ClientRepository(session)
        self.audit = AuditService(session)

    async def get(self, *, client_uuid: uuid.UUID) -> ApiClient:
        client = await self.repository.get(client_uuid=client_uuid)
        if client is None:
            raise ApiClientNotFound(f"No API client has the id {client_uuid}.")
        return client

    async def read(self, *, client_uuid: uuid.UUID) -> tuple[ApiClientRead, int]:
        """One client and its version (the ETag)."""
        client = await self.get(client_uuid=client_uuid)
        return to_read(client), client.version

    async def list_page(self, *, offset: int, limit: int) -> tuple[list[ApiClientRead], int]:
        clients, total = await self.repository.list(offset=offset, limit=limit)
        return [to_read(client) for client in clients], total

    async def create(
        self, *, principal: Principal, data: ApiClientCreate
    ) -> tuple[ApiClientWithSecret, int]:
        org = OrgService(self.session)
        units = [
            unit
            for index, code in enumerate(dict.fromkeys(data.org_unit_codes))
            if (unit := await org.resolve_code(code=code, field=("org_unit_codes", index)))
            is not None
        ]
        secret = _new_secret()
        client = await self.repository.add(
            client=ApiClient(
                name=data.name,
                client_id="gtc_" + secrets.token_hex(12),
                secret_hash=await hash_password(secret),
                scopes=sorted({scope.value for scope in data.scopes}),
                is_active=True,
                created_by_id=principal.id if principal.is_user else None,
            )
        )
        client = await self._reload(client.id, units=units)
        read = to_read(client)
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="api_client",
            entity_id=client.id,
            after=to_audit(read),
        )
        return ApiClientWithSecret(**read.model_dump(), client_secret=secret), client.version

    async def rotate(
        self, *, principal: Principal, client_uuid: uuid.UUID
    ) -> tuple[ApiClientWithSecret, int]:
        client = await self.get(client_uuid=client_uuid)
        secret = _new_secret()
        client.secret_hash = await hash_password(secret)
        await self.repository.flush()
        read = to_read(client)
        await self.audit.record(
            actor=principal,
            action="rotate_secret",
            entity_type="api_client",
            entity_id=client.id,
            after=to_audit(read),
        )
        return ApiClientWithSecret(**read.model_dump(), client_secret=secret), client.version

    async def revoke(
        self, *, principal: Principal, client_uuid: uuid.UUID, if_match: str | None
    ) -> None:
        client = await self.get(client_uuid=client_uuid)
        check_if_match(if_match, client.version)
        before = to_read(client)
        if client.is_active:
            client.is_active = False
            client.revoked_at = utcnow()
            await self.repository.flush()
        await self.audit.record(
            actor=principal,
            action="revoke",
            entity_type="api_client",
            entity_id=client.id,
            before=to_audit(before),
            after=to_audit(to_read(client)),
        )

    async def authenticate(self, *, client_id: str, client_secret: str) -> ApiClient | None:
        """The client when the credentials are right and it is active; else None."""
        client = await self.repository.by_client_id(client_id=client_id)
        # An unknown client id still costs a verify (against a dummy hash): no timing oracle.
        ok = await verify_password(client_secret, client.secret_hash if client else None)
        if client is None or not ok or not client.is_active:
            return None
        return client

    async def principal_for(
        self, *, client_uuid: uuid.UUID, fingerprint: str | None
    ) -> Principal | None:
        """The active client as a principal, if `fingerprint` is still its secret's (a token
        issued before the secret was rotated carries the old one)."""
        client = await self.repository.get(client_uuid=client_uuid)
        if (
            client is None
            or not client.is_active
            or fingerprint != credential_fingerprint(client.secret_hash)
        ):
            return None
        return Principal(
            kind=SubjectKind.CLIENT,
            id=client.id,
            name=f"client:{client.name}",
            client_permissions=permissions_for(client.scopes),
            client_unit_ids=frozenset(unit.id for unit in client.org_units),
            client_scopes=tuple(sorted(client.scopes)),
        )

    async def _reload(self, client_uuid: uuid.UUID, *, units: list[OrgUnit]) -> ApiClient:
        client = await self.repository.get(client_uuid=client_uuid, reload=True)
        assert client is not None
        client.org_units = units
        await self.repository.flush()
        return client
