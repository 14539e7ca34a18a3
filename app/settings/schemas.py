from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.measures.vocabulary import ToleranceUnit

Threshold = Annotated[Measure, Field(ge=0, le=Decimal(1_000_000))]


class ToleranceIn(RequestSchema):
    """How far short of target a measure may be and still be green, or amber."""

    unit: ToleranceUnit
    green_within: Threshold
    amber_within: Threshold

    @model_validator(mode="after")
    def _ordered(self) -> ToleranceIn:
        if self.green_within > self.amber_within:
            raise ValueError("green_within must not be greater than amber_within")
        return self


class ToleranceRead(ResponseSchema):
    unit: ToleranceUnit
    green_within: Measure
    amber_within: Measure


class RagSettingsRead(ToleranceRead):
    """The council-wide default tolerance, used by every indicator that sets none."""
