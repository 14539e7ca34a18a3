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
YearCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}$"),
    Field(description="A financial year, e.g. 2025-26", examples=["2025-26"]),
]


def year_start(code: str) -> int:
    """The calendar year a financial year code starts in ("2025-26" -> 2025)."""
    return int(code[:4])


def _check_year_code(code: str | None) -> None:
    if code is None:
        return
    start = year_start(code)
    if code != f"{start}-{(start + 1) % 100:02d}" or not 2000 <= start <= 2100:
        raise ValueError(f"{code!r} is not a financial year: write it like 2025-26")


class PlanFields(RequestSchema):
    title: Title | None = None
    description: Text | None = None
    org_unit_code: Code | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    financial_year: YearCode | None = Field(
        default=None, description="A service plan's year; start_year and end_year follow it"
    )
    owner_id: uuid.UUID | None = None
    themes: list[Theme] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _years_in_order(self) -> PlanFields:
        _check_year_code(self.financial_year)
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValueError("end_year must not be before start_year")
        if self.themes is not None and len(set(self.themes)) != len(self.themes):
            raise ValueError("themes must be unique")
        return self


class PlanCreate(PlanFields):
    """A new plan, in draft. A service plan names its financial_year (or its start_year); a
    corporate plan spans start_year to end_year."""

    kind: PlanKind
    title: Title
    org_unit_code: Code

    @model_validator(mode="after")
    def _years_given(self) -> PlanCreate:
        if self.kind is PlanKind.CORPORATE:
            if self.financial_year is not None:
                raise ValueError("a corporate plan spans start_year to end_year: no financial_year")
            if self.start_year is None or self.end_year is None:
                raise ValueError("a corporate plan needs start_year and end_year")
            return self
        if self.financial_year is None and self.start_year is None:
            raise ValueError("a service plan needs its financial_year")
        if self.financial_year is not None:
            start = year_start(self.financial_year)
            if self.start_year is not None and self.start_year != start:
                raise ValueError("start_year must be the year the financial_year starts in")
            self.start_year = start
            self.end_year = self.end_year or start
        elif self.end_year is None:
            self.end_year = self.start_year
        assert self.start_year is not None
        assert self.end_year is not None
        if self.end_year < self.start_year:
            raise ValueError("end_year must not be before start_year")
        return self


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
    financial_year: str | None = Field(description="A service plan's year; null for corporate")
    status: PlanStatus
    version_number: int = Field(description="The version being worked on or approved")
    owner_id: uuid.UUID | None
    created_by_id: uuid.UUID | None
    submitted_by_id: uuid.UUID | None
    submitted_at: datetime | None
    approved_by_id: uuid.UUID | None
    approved_by_name: str | None
    approved_at: datetime | None
    rolled_from_id: uuid.UUID | None = Field(description="Last year's plan this was copied from")
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


class PlanVersionSummary(ResponseSchema):
    number: int
    status: PlanStatus = Field(
        description="approved for a kept version; the plan's status for the one being worked on"
    )
    current: bool = Field(description="The version the plan is at now")
    approved_by_id: uuid.UUID | None
    approved_by_name: str | None
    approved_at: datetime | None


class PlanVersionRead(PlanVersionSummary):
    """A version of a plan: an approved one exactly as it was approved, objectives and their
    links included; the version being worked on as it stands."""

    plan: PlanRead
    objectives: list[ObjectiveRead]
