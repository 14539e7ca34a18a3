from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.actions.models import ActionStatus
from app.actions.rules import ActionRag
from app.core.schemas import Measure, RequestSchema, ResponseSchema

Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Note = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Percent = Annotated[int, Field(ge=0, le=100)]
Threshold = Annotated[Measure, Field(ge=0, le=100)]


class ActionFields(RequestSchema):
    title: Title | None = None
    description: LongText | None = None
    owner_id: uuid.UUID | None = None
    org_unit_code: Code | None = None
    start_date: date | None = None
    due_date: date | None = None
    status: ActionStatus | None = None
    percent_complete: Percent | None = None
    indicator_code: Code | None = Field(
        default=None, description="The measure this action answers; give `period` with it"
    )
    period: Code | None = Field(
        default=None, description="The period in which the measure was missed, e.g. 2025-26-Q2"
    )
    objective_id: uuid.UUID | None = None
    risk_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    recommendation_id: uuid.UUID | None = Field(
        default=None, description="The recommendation (audit, inspection...) this action answers"
    )


class ActionCreate(ActionFields):
    title: Title
    org_unit_code: Code
    start_date: date | None = Field(
        default=None, description="Optional: the time-based RAG then runs from the day it is added"
    )
    due_date: date
    status: ActionStatus = ActionStatus.NOT_STARTED
    percent_complete: Percent = 0


class ActionPatch(ActionFields):
    """Only the fields sent change; null clears an optional one. Reaching 100% completes the
    action (status completed, completed today) unless another status is sent with it: then it
    is 422, as 100% in progress would say two things at once."""


class ActionRead(ResponseSchema):
    id: uuid.UUID
    title: str
    description: str | None
    owner_id: uuid.UUID | None
    org_unit_code: str
    start_date: date | None
    due_date: date
    status: ActionStatus
    percent_complete: int
    completed_date: date | None
    indicator_code: str | None
    period: str | None
    objective_id: uuid.UUID | None
    risk_id: uuid.UUID | None
    project_id: uuid.UUID | None
    recommendation_id: uuid.UUID | None
    rag: ActionRag | None = Field(description="Time-based RAG; null for a cancelled action")
    overdue: bool
    expected_percent: Measure | None = Field(
        description="Progress expected by today (share of the time gone); null once closed"
    )
    created_at: datetime
    updated_at: datetime


class ActionUpdateCreate(RequestSchema):
    note: Note
    percent_complete: Percent
    status: ActionStatus | None = Field(
        default=None, description="Unchanged when left out (in progress once work has begun)"
    )
    update_date: date | None = Field(default=None, description="Default: today")


class ActionUpdateRead(ResponseSchema):
    id: uuid.UUID
    action_id: uuid.UUID
    note: str
    update_date: date
    percent_complete: int
    status: ActionStatus
    by_id: uuid.UUID | None
    by_name: str
    at: datetime


class ActionSettingsIn(RequestSchema):
    """Action RAG thresholds, as percentages of the progress expected by today."""

    on_track_at: Threshold = Field(description="Green at or above this share of the expected")
    red_below: Threshold = Field(description="Red below this share of the expected")

    @model_validator(mode="after")
    def _ordered(self) -> ActionSettingsIn:
        if self.red_below > self.on_track_at:
            raise ValueError("red_below must not be greater than on_track_at")
        return self


class ActionSettingsRead(ResponseSchema):
    on_track_at: Measure
    red_below: Measure
