from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.clients.scopes import ClientScope
from app.core.schemas import RequestSchema, ResponseSchema


class ApiClientCreate(RequestSchema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    scopes: list[ClientScope] = Field(min_length=1, max_length=10)
    org_unit_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=200, description="The units (and all below) it may touch"
    )


class ApiClientRead(ResponseSchema):
    id: uuid.UUID
    name: str
    client_id: str
    scopes: list[ClientScope]
    org_unit_codes: list[str]
    is_active: bool
    created_at: datetime
    revoked_at: datetime | None


class ApiClientWithSecret(ApiClientRead):
    client_secret: str = Field(description="Shown once; store it now. Only a hash is kept.")
