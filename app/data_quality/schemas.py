from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema
from app.data_quality.models import Verdict
from app.measures.vocabulary import ValueStatus
from app.recommendations.schemas import RecommendationRead


class IssueType(StrEnum):
    MISSING_VALUE = "missing_value"
    LATE_SUBMISSION = "late_submission"
    UNAPPROVED_VALUE = "unapproved_value"
    ESTIMATED_VALUE = "estimated_value"
    REVISED_AFTER_APPROVAL = "revised_after_approval"
    NO_TARGET = "no_target"
    NO_OWNER = "no_owner"
    NUMERATOR_MISMATCH = "numerator_mismatch"
    OUTLIER = "outlier"
    QUERIED_VALUE = "queried_value"


class Issue(ResponseSchema):
    type: IssueType
    indicator_code: str
    indicator_title: str
    org_unit_code: str
    period: str
    value_status: ValueStatus | None
    detail: str


class IssueCounts(ResponseSchema):
    missing_value: int = 0
    late_submission: int = 0
    unapproved_value: int = 0
    estimated_value: int = 0
    revised_after_approval: int = 0
    no_target: int = 0
    no_owner: int = 0
    numerator_mismatch: int = 0
    outlier: int = 0
    queried_value: int = 0


class QualitySummary(ResponseSchema):
    period: str
    org_unit: str | None
    indicators: int
    expected_values: int
    values_entered: int
    values_approved: int
    issues: IssueCounts
    total_issues: int
    overdue_recommendations: list[RecommendationRead] = Field(
        default_factory=list,
        description="Assurance: high-priority audit and inspection recommendations past their "
        "due date and not implemented, in the org units read, by due date (as of today)",
    )


class VerificationIn(RequestSchema):
    verdict: Verdict
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class VerificationRead(ResponseSchema):
    id: uuid.UUID
    indicator_code: str
    period: str
    verdict: Verdict
    note: str | None
    value_version: int
    current: bool
    by_id: uuid.UUID | None
    by_name: str
    at: datetime
