from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.indicators.models import IndicatorStatus
from app.measures.vocabulary import (
    Aggregation,
    Frequency,
    Polarity,
    QualityFlag,
    ValueStatus,
    ValueType,
)
from app.settings.schemas import ToleranceIn, ToleranceRead

IndicatorCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(max_length=500)]
OrgCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
DecimalPlaces = Annotated[int, Field(ge=0, le=6)]


class IndicatorFields(RequestSchema):
    title: Title | None = None
    definition: LongText | None = None
    rationale: LongText | None = None
    data_source: ShortText | None = None
    unit: Annotated[str, StringConstraints(max_length=50)] | None = None
    tolerance: ToleranceIn | None = Field(
        default=None, description="null: the council-wide default tolerance applies"
    )
    amber_if_improving: bool | None = None
    owner_id: uuid.UUID | None = None
    collector_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    is_key: bool | None = None
    is_public: bool | None = None
    is_national: bool | None = None
    min_value: Measure | None = Field(
        default=None,
        description="The lowest figure the indicator takes; null: what the value type allows "
        "(0 for a percentage, a count or a time)",
    )
    max_value: Measure | None = Field(
        default=None,
        description="The highest figure the indicator takes; null: what the value type allows "
        "(100 for a percentage)",
    )


class IndicatorCreate(IndicatorFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "HOU09",
                    "title": "Households in temporary accommodation",
                    "value_type": "count",
                    "polarity": "lower_is_better",
                    "frequency": "quarterly",
                    "org_unit_code": "HOU",
                }
            ]
        }
    )

    code: IndicatorCode
    title: Title
    value_type: ValueType
    decimal_places: DecimalPlaces = 0
    polarity: Polarity
    frequency: Frequency
    aggregation: Aggregation | None = Field(
        default=None,
        description="How periods combine; default: sum for counts and currency, else mean",
    )
    org_unit_code: OrgCode


class IndicatorUpdate(IndicatorFields):
    value_type: ValueType | None = None
    decimal_places: DecimalPlaces | None = None
    polarity: Polarity | None = None
    frequency: Frequency | None = None
    aggregation: Aggregation | None = None
    org_unit_code: OrgCode | None = None
    status: IndicatorStatus | None = None


class IndicatorRead(ResponseSchema):
    id: uuid.UUID
    code: str
    title: str
    definition: str | None
    rationale: str | None
    data_source: str | None
    value_type: ValueType
    unit: str | None
    decimal_places: int
    min_value: Measure | None = Field(description="null: what the value type allows")
    max_value: Measure | None = Field(description="null: what the value type allows")
    polarity: Polarity
    frequency: Frequency
    aggregation: Aggregation
    tolerance: ToleranceRead | None
    amber_if_improving: bool
    org_unit_code: str
    owner_id: uuid.UUID | None
    collector_ids: list[uuid.UUID]
    is_key: bool
    is_public: bool
    is_national: bool
    status: IndicatorStatus
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None


class TargetIn(RequestSchema):
    value: Measure | None = None
    lower: Measure | None = None
    upper: Measure | None = None
    floor: Measure | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> TargetIn:
        band = self.lower is not None or self.upper is not None
        if self.value is None and not band:
            raise ValueError("give value, or lower and/or upper for a band")
        if self.value is not None and band:
            raise ValueError("give value, or lower/upper for a band, not both")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError("lower must not be greater than upper")
        if self.floor is not None and band:
            raise ValueError("a floor goes with a point target, not a band")
        return self


class TargetRead(ResponseSchema):
    indicator_code: str
    period: str
    value: Measure | None
    lower: Measure | None
    upper: Measure | None
    floor: Measure | None
    reason: str | None
    set_by_id: uuid.UUID | None
    set_by_name: str
    set_at: datetime


class TargetRevisionRead(ResponseSchema):
    value: Measure | None
    lower: Measure | None
    upper: Measure | None
    floor: Measure | None
    reason: str | None
    changed_by_id: uuid.UUID | None
    changed_by_name: str
    changed_at: datetime
    previous: TargetRevisionRead | None = Field(
        default=None, description="The target this change replaced (null for the first)"
    )


class ValueIn(RequestSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"value": 98.62, "commentary": "On track", "quality_flags": ["provisional"]}
            ]
        }
    )

    value: Measure | None = Field(
        default=None, description="May be left out when numerator and denominator are given"
    )
    numerator: Measure | None = None
    denominator: Measure | None = None
    commentary: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    quality_flags: list[QualityFlag] = Field(default_factory=list, max_length=4)


class StepIn(RequestSchema):
    """A workflow step with nothing to say (submit, approve): unknown fields are refused."""


class ReasonIn(RequestSchema):
    reason: Reason


class ValueRead(ResponseSchema):
    indicator_code: str
    period: str
    value: Measure
    numerator: Measure | None
    denominator: Measure | None
    commentary: str | None
    quality_flags: list[QualityFlag]
    status: ValueStatus
    is_late: bool
    entered_by_id: uuid.UUID | None
    entered_by_name: str
    entered_at: datetime
    submitted_at: datetime | None
    first_submitted_at: datetime | None
    decided_by_name: str | None
    decided_at: datetime | None
    rejection_reason: str | None
    approved_value: Measure | None
    approved_at: datetime | None


class ValueRevisionRead(ResponseSchema):
    number: int
    action: str
    status: ValueStatus
    value: Measure
    numerator: Measure | None
    denominator: Measure | None
    commentary: str | None
    quality_flags: list[QualityFlag]
    reason: str | None
    actor_id: uuid.UUID | None
    actor_name: str
    at: datetime
