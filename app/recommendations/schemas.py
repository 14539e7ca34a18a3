from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema
from app.recommendations.models import (
    RecommendationPriority,
    RecommendationSource,
    RecommendationStatus,
)

Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RecommendationFields(RequestSchema):
    source: RecommendationSource | None = None
    reference: Reference | None = Field(
        default=None, description="The report's own reference, e.g. IA-2025-07 R3 (unique)"
    )
    title: Title | None = None
    detail: LongText | None = None
    received_date: date | None = None
    priority: RecommendationPriority | None = None
    org_unit_code: Code | None = None
    owner_id: uuid.UUID | None = None
    due_date: date | None = None
    status: RecommendationStatus | None = Field(
        default=None,
        description="implemented only by the owner's line manager, the performance team, an "
        "admin or a director over its org unit, once every action answering it is completed or "
        "cancelled (409 otherwise)",
    )


class RecommendationCreate(RecommendationFields):
    source: RecommendationSource
    reference: Reference
    title: Title
    priority: RecommendationPriority
    org_unit_code: Code
    due_date: date
    status: RecommendationStatus = RecommendationStatus.OPEN


class RecommendationPatch(RecommendationFields):
    """Only the fields sent change; null clears an optional one."""


class RecommendationRead(ResponseSchema):
    id: uuid.UUID
    source: RecommendationSource
    reference: str
    title: str
    detail: str | None
    received_date: date | None
    priority: RecommendationPriority
    org_unit_code: str
    owner_id: uuid.UUID | None
    due_date: date
    status: RecommendationStatus
    overdue: bool = Field(description="Past its due date, neither implemented nor not accepted")
    implemented_date: date | None
    implemented_by_id: uuid.UUID | None
    implemented_by_name: str | None
    action_ids: list[uuid.UUID] = Field(description="The actions answering it, by due date")
    actions_open: int = Field(description="How many of them are neither completed nor cancelled")
    created_at: datetime
    updated_at: datetime
