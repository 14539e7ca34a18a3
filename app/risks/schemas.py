from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema
from app.risks.models import RiskStatus

RiskCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=100)]
OrgCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Level = Annotated[int, Field(ge=1, le=5)]


class ScoreIn(RequestSchema):
    """A position on the 5 x 5 matrix: likelihood and impact, each 1 (lowest) to 5."""

    likelihood: Level
    impact: Level


class ScoreRead(ResponseSchema):
    likelihood: int
    impact: int
    score: int = Field(description="likelihood x impact, 1 to 25")


class RiskFields(RequestSchema):
    title: Title | None = None
    cause: LongText | None = None
    effect: LongText | None = None
    owner_id: uuid.UUID | None = None
    org_unit_code: OrgCode | None = None
    category: Category | None = None
    inherent: ScoreIn | None = Field(default=None, description="Before any control")
    current: ScoreIn | None = Field(default=None, description="Residual, with today's controls")
    target: ScoreIn | None = Field(default=None, description="Where mitigation should bring it")
    controls: LongText | None = None
    review_date: date | None = None
    status: RiskStatus | None = None
    objective_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=100, description="The objectives this risk threatens"
    )


class RiskCreate(RiskFields):
    code: RiskCode
    title: Title
    org_unit_code: OrgCode
    inherent: ScoreIn
    current: ScoreIn
    target: ScoreIn
    status: RiskStatus = RiskStatus.OPEN


class RiskPatch(RiskFields):
    """Only the fields sent change; null clears an optional one; objective_ids replaces."""


class RiskRead(ResponseSchema):
    id: uuid.UUID
    code: str
    title: str
    cause: str | None
    effect: str | None
    owner_id: uuid.UUID | None
    org_unit_code: str
    category: str | None
    inherent: ScoreRead
    current: ScoreRead
    target: ScoreRead
    controls: str | None
    review_date: date | None
    review_overdue: bool = Field(description="Open, and its review date has passed")
    status: RiskStatus
    objective_ids: list[uuid.UUID]
    action_ids: list[uuid.UUID] = Field(description="The actions that mitigate it")
    created_at: datetime
    updated_at: datetime


class MatrixCell(ResponseSchema):
    likelihood: int
    impact: int
    score: int
    count: int


class RiskMatrixRead(ResponseSchema):
    """Risks counted by their current likelihood and impact: all 25 cells, empty ones too."""

    cells: list[MatrixCell]
    total: int
