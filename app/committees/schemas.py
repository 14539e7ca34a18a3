from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema

Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class CommitteeFields(RequestSchema):
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    indicator_codes: list[Code] | None = Field(default=None, max_length=2000)
    plan_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)
    risk_ids: list[uuid.UUID] | None = Field(default=None, max_length=2000)


class CommitteeCreate(CommitteeFields):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CommitteeUpdate(CommitteeFields):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class CommitteeRead(ResponseSchema):
    id: uuid.UUID
    name: str
    description: str | None
    indicator_codes: list[str]
    plan_ids: list[uuid.UUID]
    risk_ids: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime
