from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.spc.engine import AssuranceIcon, ImprovementDirection, PointType, SpcRule, VariationIcon

MAX_POINTS = 1000
RunLength = Literal[6, 7]

# Strict: a string such as "12" is refused rather than read as a number. The bounds are what a
# measurement column holds, and keep every sum and limit finite.
SeriesValue = Annotated[float, Field(strict=True, allow_inf_nan=False, lt=10**20, gt=-(10**20))]
Baseline = Annotated[
    int,
    Field(strict=True, ge=2, le=MAX_POINTS, description="Fix the limits on the first n points"),
]


class SpcRequest(RequestSchema):
    values: list[SeriesValue] = Field(min_length=1, max_length=MAX_POINTS)
    improvement_direction: ImprovementDirection = ImprovementDirection.NEUTRAL
    target: SeriesValue | None = None
    run_length: RunLength = Field(
        default=6, description="Points in a run (shift) or trend that make a special cause"
    )
    screen_outliers: bool = Field(
        default=False, description="Leave moving ranges above 3.267 x their mean out of the limits"
    )
    recalculate_at: list[Annotated[int, Field(strict=True)]] = Field(
        default_factory=list,
        max_length=MAX_POINTS,
        description="Indexes where the process changed: limits are refitted from each",
    )
    baseline: Baseline | None = None

    @field_validator("recalculate_at")
    @classmethod
    def _recalculation_points(cls, indexes: list[int], info: ValidationInfo) -> list[int]:
        values = info.data.get("values")
        if values is None:  # already refused; say nothing more about it
            return indexes
        count = len(values)
        for index in indexes:
            if not 0 <= index < count:
                raise ValueError(f"index {index} is outside the series (0..{count - 1})")
        starts = sorted({0, *indexes})
        if len(starts) > 1 and any(b - a < 2 for a, b in pairwise([*starts, count])):
            raise ValueError("every segment needs at least 2 points for a moving range")
        return sorted(set(indexes))

    @model_validator(mode="after")
    def _one_way_to_fit(self) -> SpcRequest:
        if self.baseline is not None and self.recalculate_at:
            raise ValueError("give a baseline or recalculation points, not both")
        return self


class SpcPointRead(ResponseSchema):
    index: int
    value: float
    mean: float | None = Field(description="null while the series is shorter than 13 points")
    lower_limit: float | None
    upper_limit: float | None
    special_cause: bool
    type: PointType
    rules: list[SpcRule]


class SpcRead(ResponseSchema):
    points: list[SpcPointRead]
    variation_icon: VariationIcon | None = Field(description="null below 13 points")
    assurance_icon: AssuranceIcon | None = Field(
        description="null below 13 points, with no target, or with no improvement direction"
    )


class IndicatorSpcPointRead(SpcPointRead):
    period: str


class IndicatorSpcRead(SpcRead):
    indicator_code: str
    improvement_direction: ImprovementDirection = Field(description="From the polarity")
    target: Measure | None = Field(
        description="The latest point target up to the last value, of the indicator's frequency"
    )
    run_length: RunLength
    screen_outliers: bool
    baseline: int | None
    recalculate_at: list[str] = Field(
        description="The periods from which the limits were refitted (recalculation points "
        "that leave fewer than 2 points after them are not applied yet)"
    )
    points: list[IndicatorSpcPointRead]  # type: ignore[assignment]


# Stored settings per indicator

PeriodCode = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class Recalculation(RequestSchema):
    period: PeriodCode = Field(description="The first period of the changed process")
    reason: Reason = Field(description="What changed, e.g. a new way of working")


class SpcSettingsIn(RequestSchema):
    recalculate_at: list[Recalculation] = Field(default_factory=list, max_length=100)
    run_length: RunLength = 6
    screen_outliers: bool = False
    baseline: Baseline | None = None

    @field_validator("recalculate_at")
    @classmethod
    def _distinct_periods(cls, points: list[Recalculation]) -> list[Recalculation]:
        periods = [point.period for point in points]
        if len(set(periods)) != len(periods):
            raise ValueError("each period may be a recalculation point once")
        return points

    @model_validator(mode="after")
    def _one_way_to_fit(self) -> SpcSettingsIn:
        if self.baseline is not None and self.recalculate_at:
            raise ValueError("give a baseline or recalculation points, not both")
        return self


class RecalculationRead(ResponseSchema):
    period: str
    reason: str


class SpcSettingsRead(ResponseSchema):
    indicator_code: str
    recalculate_at: list[RecalculationRead]
    run_length: RunLength
    screen_outliers: bool
    baseline: int | None
    updated_at: datetime | None = Field(description="null while the defaults apply")
