from __future__ import annotations

import uuid

from app.auth.permissions import Permission, Role
from app.core.schemas import ResponseSchema


class TokenResponse(ResponseSchema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class RoleGrantRead(ResponseSchema):
    role: Role
    org_unit_code: str | None


class MeRead(ResponseSchema):
    kind: str
    id: uuid.UUID
    name: str
    email: str | None
    full_name: str | None
    roles: list[RoleGrantRead]
    scopes: list[str]
    permissions: list[Permission]
