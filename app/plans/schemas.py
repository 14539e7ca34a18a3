from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.core.schemas import RequestSchema, ResponseSchema
from app.measures.measure import Summary
from app.plans.models import PlanKind, PlanStatus
from app.status.schemas import StatusRead

Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Theme = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class PlanFields(RequestSchema):
    title: Title | None = None
    description: Text | None = None
    org_unit_code: Code | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    status: PlanStatus | None = None
    themes: list[Theme] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _years_in_order(self) -> PlanFields:
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValueError("end_year must not be before start_year")
        if self.themes is not None and len(set(self.themes)) != len(self.themes):
            raise ValueError("themes must be unique")
        return self


class PlanCreate(PlanFields):
    kind: PlanKind
    title: Title
    org_unit_code: Code
    start_year: Year
    end_year: Year


class PlanUpdate(PlanFields):
    pass


class PlanRead(ResponseSchema):
    id: uuid.UUID
    kind: PlanKind
    title: str
    description: str | None
    org_unit_code: str
    start_year: int
    end_year: int
    status: PlanStatus
    themes: list[str]
    created_at: datetime
    updated_at: datetime


class ObjectiveFields(RequestSchema):
    code: Code | None = None
    title: Title | None = None
    description: Text | None = None
    theme: Theme | None = None
    parent_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None
    serves_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=50, description="Corporate objectives this objective serves"
    )
    indicator_codes: list[Code] | None = Field(default=None, max_length=500)
    project_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)


class ObjectiveCreate(ObjectiveFields):
    title: Title


class ObjectiveUpdate(ObjectiveFields):
    pass


class PersonalObjectiveCounts(ResponseSchema):
    """How many personal objectives serve an objective, never which: those are private to
    their people and their managers."""

    count: int = Field(description="Personal objectives serving this objective (not withdrawn)")
    reviewed: int = Field(description="Of those, how many have had a review this year")


class ObjectiveRead(ResponseSchema):
    id: uuid.UUID
    plan_id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str | None
    title: str
    description: str | None
    theme: str | None
    owner_id: uuid.UUID | None
    position: int
    serves_ids: list[uuid.UUID]
    served_by_ids: list[uuid.UUID]
    indicator_codes: list[str]
    project_ids: list[uuid.UUID]
    risk_ids: list[uuid.UUID]
    action_ids: list[uuid.UUID]
    personal_objectives: PersonalObjectiveCounts
    created_at: datetime
    updated_at: datetime


class ProjectBrief(ResponseSchema):
    id: uuid.UUID
    code: str
    title: str
    status: str
    rag: str | None
    manager_rag: str | None
    derived_rag: str | None


class ObjectiveNode(ObjectiveRead):
    indicators: list[StatusRead]
    projects: list[ProjectBrief]
    rollup: Summary = Field(
        description=(
            "Statuses of the indicators linked here, anywhere below and to every objective "
            "serving these, in any plan, transitively; each counted once"
        )
    )
    children: list[ObjectiveNode]


class PlanTree(ResponseSchema):
    plan: PlanRead
    period: str
    summary: Summary
    objectives: list[ObjectiveNode]
