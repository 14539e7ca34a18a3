from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from app.core.schemas import ResponseSchema
from app.measures.vocabulary import ValueStatus
from app.org.models import OrgUnitKind
from app.periods.calendar import PeriodKind


class Counts(ResponseSchema):
    expected: int = Field(0, description="Active indicators whose values are for this period")
    entered: int = 0
    draft: int = 0
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    outstanding: int = Field(0, description="Expected values not entered yet")
    missing: int = Field(0, description="Expected values not entered after the due date")
    late: int = Field(0, description="Values first submitted after the due date")


class UnitProgress(Counts):
    org_unit_code: str
    name: str
    kind: OrgUnitKind
    parent_code: str | None


class PeriodProgress(ResponseSchema):
    period: str
    data_due_date: date
    totals: Counts
    org_units: list[UnitProgress] = Field(description="Each unit with everything below it")


class TaskAction(StrEnum):
    ENTER = "enter"
    REVISE = "revise"
    SUBMIT = "submit"
    APPROVE = "approve"


class Task(ResponseSchema):
    action: TaskAction
    indicator_code: str
    indicator_title: str
    org_unit_code: str
    period: str
    period_kind: PeriodKind
    due_date: date
    overdue: bool = Field(description="The data due date has passed")
    value_status: ValueStatus | None
