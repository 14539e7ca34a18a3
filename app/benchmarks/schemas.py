from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.benchmarks.rules import QuartilePosition
from app.core.schemas import Measure, RequestSchema, ResponseSchema

Source = Annotated[str, StringConstraints(min_length=1, max_length=500)]
ComparatorName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
MAX_COMPARATORS = 100


class Comparator(RequestSchema):
    name: ComparatorName
    value: Measure


class BenchmarkIn(RequestSchema):
    source: Source = Field(description='Where the figures come from, e.g. "LG Inform, 2024-25"')
    national_median: Measure | None = None
    upper_quartile: Measure | None = None
    lower_quartile: Measure | None = None
    comparators: list[Comparator] = Field(default_factory=list, max_length=MAX_COMPARATORS)

    @model_validator(mode="after")
    def _ordered(self) -> BenchmarkIn:
        given = [
            number
            for number in (self.lower_quartile, self.national_median, self.upper_quartile)
            if number is not None
        ]
        if given != sorted(given):
            raise ValueError("lower_quartile <= national_median <= upper_quartile must hold")
        names = [comparator.name.casefold() for comparator in self.comparators]
        if len(names) != len(set(names)):
            raise ValueError("each comparator is named once")
        return self


class ComparatorRead(ResponseSchema):
    name: str
    value: Measure


class BenchmarkRead(ResponseSchema):
    indicator_code: str
    period: str
    source: str
    national_median: Measure | None
    upper_quartile: Measure | None
    lower_quartile: Measure | None
    comparators: list[ComparatorRead]
    set_by_name: str
    updated_at: datetime


class BenchmarkPosition(ResponseSchema):
    """The period's comparator quartiles and where the council's figure stands among them."""

    source: str
    national_median: Measure | None
    upper_quartile: Measure | None
    lower_quartile: Measure | None
    quartile: int | None = Field(
        ge=1, le=4, description="1 the best performing quarter, 4 the worst; null when unknown"
    )
    position: QuartilePosition | None = Field(
        description="null without a value, without all three quartiles, or for polarity "
        "none / within_range"
    )
