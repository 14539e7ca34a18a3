from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema
from app.org.models import OrgUnitKind

Code = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class OrgUnitCreate(RequestSchema):
    code: Code
    name: Name
    kind: OrgUnitKind
    parent_code: Code | None = None


class OrgUnitUpdate(RequestSchema):
    name: Name | None = None
    kind: OrgUnitKind | None = None
    parent_code: Code | None = None


class OrgUnitRead(ResponseSchema):
    id: uuid.UUID
    code: str
    name: str
    kind: OrgUnitKind
    parent_code: str | None
    created_at: datetime
    updated_at: datetime
