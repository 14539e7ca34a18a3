from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.achievements.models import AchievementStatus
from app.core.schemas import RequestSchema, ResponseSchema

Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class AchievementFields(RequestSchema):
    title: Title | None = None
    description: LongText | None = None
    period: Code | None = Field(default=None, description="The period it belongs to: 2025-26-Q2")
    org_unit_code: Code | None = None
    objective_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=100, description="The objectives it shows; replaces the list"
    )
    indicator_codes: list[Code] | None = Field(
        default=None, max_length=100, description="The measures it shows; replaces the list"
    )
    project_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=100, description="The projects it shows; replaces the list"
    )
    is_public: bool | None = Field(
        default=None, description="Shown on the public pages once approved"
    )


class AchievementCreate(AchievementFields):
    title: Title
    period: Code
    org_unit_code: Code
    objective_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    indicator_codes: list[Code] = Field(default_factory=list, max_length=100)
    project_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    is_public: bool = False


class AchievementPatch(AchievementFields):
    """Only the fields sent change. A change to an approved achievement takes it back to
    draft: it needs approving again before reports show it."""


class AchievementRead(ResponseSchema):
    id: uuid.UUID
    title: str
    description: str | None
    period: str
    org_unit_code: str
    objective_ids: list[uuid.UUID]
    indicator_codes: list[str]
    project_ids: list[uuid.UUID]
    is_public: bool
    status: AchievementStatus
    author_id: uuid.UUID | None
    author_name: str
    approved_by_id: uuid.UUID | None
    approved_by_name: str | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PublicAchievement(ResponseSchema):
    """What the public sees of an approved, public achievement: no people, no internal links."""

    id: uuid.UUID
    title: str
    description: str | None
    period: str
    org_unit_code: str
    approved_at: datetime
