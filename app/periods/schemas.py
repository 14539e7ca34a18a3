from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.core.schemas import RequestSchema, ResponseSchema
from app.periods.calendar import PeriodKind
from app.periods.models import PeriodStatus


class FinancialYearCreate(RequestSchema):
    start_year: int = Field(ge=2012, le=2098, description="2025 creates 2025-26 and its periods")


class PeriodRead(ResponseSchema):
    code: str
    kind: PeriodKind
    financial_year: str
    start_date: date
    end_date: date
    status: PeriodStatus
    data_due_date: date
    board_date: date | None
    opened_at: datetime | None
    closed_at: datetime | None


class FinancialYearRead(ResponseSchema):
    code: str
    start_year: int
    start_date: date
    end_date: date
    status: PeriodStatus
    periods: list[PeriodRead]


class PeriodUpdate(RequestSchema):
    data_due_date: date | None = None
    board_date: date | None = Field(default=None, description="null clears it")

    @model_validator(mode="after")
    def _due_date_not_cleared(self) -> PeriodUpdate:
        if "data_due_date" in self.model_fields_set and self.data_due_date is None:
            raise ValueError("data_due_date cannot be cleared; every period has one")
        return self


class PeriodTransition(RequestSchema):
    include_children: bool = Field(
        default=False, description="Also apply to the quarters and months within this period"
    )


Reason = Annotated[str, StringConstraints(min_length=3, max_length=2000)]


class PeriodReopen(PeriodTransition):
    reason: Reason


class PeriodClose(PeriodTransition):
    force: bool = Field(
        default=False,
        description="Close even though figures are outstanding (needs a reason, which is "
        "audited with what was outstanding)",
    )
    reason: Reason | None = Field(default=None, description="Why it is closed; needed to force")


class OutstandingState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    MISSING = "missing"


class Outstanding(ResponseSchema):
    """A figure that stops a period closing cleanly: not approved yet, or not entered."""

    period: str
    indicator_code: str
    state: OutstandingState
