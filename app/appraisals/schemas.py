from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from app.appraisals.models import PersonalObjectiveStatus, Rating, ReviewKind
from app.core.schemas import RequestSchema, ResponseSchema
from app.periods.calendar import InvalidPeriodCode, PeriodKind, parse_period

Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Progress = Annotated[int, Field(ge=0, le=100, description="Per cent done, 0 to 100")]


def _year_code(code: str) -> str:
    try:
        spec = parse_period(code)
    except InvalidPeriodCode as error:
        raise ValueError(str(error)) from None
    if spec.kind is not PeriodKind.YEAR:
        raise ValueError("must be a financial year such as 2025-26")
    return code


FinancialYear = Annotated[
    str,
    StringConstraints(min_length=7, max_length=7),
    AfterValidator(_year_code),
    Field(examples=["2025-26"]),
]
ServesIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=20,
        description="Objectives of a service plan of the person's part of the council, for the "
        "year, that this objective serves",
    ),
]


class PersonalObjectiveCreate(RequestSchema):
    title: Title
    description: Text | None = None
    financial_year: FinancialYear
    serves_ids: ServesIds = Field(default_factory=list)
    due_date: date | None = None
    status: PersonalObjectiveStatus = PersonalObjectiveStatus.AGREED
    progress: Progress = 0


class PersonalObjectiveUpdate(RequestSchema):
    title: Title | None = None
    description: Text | None = None
    financial_year: FinancialYear | None = None
    serves_ids: ServesIds | None = None
    due_date: date | None = None
    status: PersonalObjectiveStatus | None = None
    progress: Progress | None = None


class PersonalObjectiveRead(ResponseSchema):
    id: uuid.UUID
    user_id: uuid.UUID
    financial_year: str
    title: str
    description: str | None
    serves_ids: list[uuid.UUID]
    due_date: date | None
    status: PersonalObjectiveStatus
    progress: int
    reviewed: list[ReviewKind] = Field(description="The reviews recorded so far")
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ReviewCreate(RequestSchema):
    kind: ReviewKind
    rating: Rating
    comments: Text | None = Field(default=None, description="The line manager's comments")


class ReviewUpdate(RequestSchema):
    rating: Rating | None = Field(default=None, description="The line manager's to change")
    comments: Text | None = Field(default=None, description="The line manager's to change")
    own_comments: Text | None = Field(
        default=None, description="The person's own comments, theirs alone to write"
    )


class ReviewRead(ResponseSchema):
    id: uuid.UUID
    personal_objective_id: uuid.UUID
    kind: ReviewKind
    rating: Rating
    comments: str | None
    reviewer_id: uuid.UUID | None
    reviewed_at: datetime
    own_comments: str | None
    own_comments_at: datetime | None
    created_at: datetime
    updated_at: datetime
