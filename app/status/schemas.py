from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.benchmarks.schemas import BenchmarkPosition
from app.core.schemas import Measure, ResponseSchema
from app.measures.forecast import ForecastMethod
from app.measures.measure import Summary
from app.measures.vocabulary import Direction, Polarity, Rag, ValueStatus, ValueType
from app.spc.engine import AssuranceIcon, VariationIcon


class Band(ResponseSchema):
    lower: Measure | None
    upper: Measure | None


class Directions(ResponseSchema):
    vs_previous: Direction
    vs_last_year: Direction


class YearToDate(ResponseSchema):
    value: Measure | None
    target: Measure | None = Field(
        description="The targets of the periods the year to date combines (to as_at)"
    )
    rag: Rag | None
    as_at: str = Field(
        description="The latest period with a figure when some are missing, else the period"
    )
    complete: bool = Field(description="false when a period up to the one asked for has no figure")


class Pending(ResponseSchema):
    value: Measure
    rag: Rag | None = Field(description="What the figure would be rated once approved")
    value_status: ValueStatus


class CommentBrief(ResponseSchema):
    author_name: str
    author_role: str | None
    body: str
    created_at: datetime


class ForecastRead(ResponseSchema):
    value: Measure = Field(description="The forecast year-end outturn")
    method: ForecastMethod = Field(
        description="target_profile (the year's target scaled by the year to date against its "
        "target), run_rate (sums, no profile), linear_trend (others) or actual (the year is "
        "complete)"
    )
    rag: Rag | None = Field(
        description="The status the forecast would get against the year's target"
    )


class StatusRead(ResponseSchema):
    indicator_code: str
    title: str
    org_unit_code: str
    period: str
    value: Measure | None
    target: Measure | None = Field(description="A point target; null for a band or no target")
    target_band: Band | None = Field(description="lower/upper for a within_range indicator")
    floor: Measure | None
    rag: Rag | None = Field(
        description="null only when there is no value and the data is not yet due"
    )
    shortfall: Measure | None
    shortfall_pct: Measure | None
    direction: Directions
    ytd: YearToDate
    value_status: ValueStatus | None
    complete: bool = Field(description="false when some months of the period have no value")
    as_at: str = Field(
        description="The latest part with a figure when the period is rated before all its "
        "parts are in (value and target are then for the parts present), else the period"
    )
    pending: Pending | None = Field(
        default=None,
        description="The figure awaiting approval and how it would be rated, for those who "
        "may act on it; null otherwise",
    )
    commentary: str | None = Field(description="The approved value's commentary")
    comments: list[CommentBrief] = Field(
        default_factory=list, description="Scrutiny comments on this period, oldest first"
    )
    polarity: Polarity
    value_type: ValueType
    unit: str | None
    decimal_places: int
    is_key: bool
    variation_icon: VariationIcon | None = Field(
        default=None,
        description="SPC variation of the approved series up to the period; null below 13 points",
    )
    assurance_icon: AssuranceIcon | None = Field(
        default=None,
        description="Whether the process will meet its target; null below 13 points, with no "
        "target or with no improvement direction",
    )
    forecast: ForecastRead | None = Field(
        default=None, description="The year-end forecast; null with no value in the year yet"
    )
    benchmark: BenchmarkPosition | None = Field(
        default=None, description="Comparator quartiles for the period and the figure's place"
    )


class SpendTotals(ResponseSchema):
    budget: Measure
    forecast: Measure
    actual: Measure
    forecast_variance: Measure = Field(description="forecast - budget: positive is an overspend")
    actual_variance: Measure = Field(description="actual - budget: positive is an overspend")
    lines: int


class Spend(ResponseSchema):
    """Money beside performance: the budget lines of the service plans and projects in the
    scorecard's org units, for the period's financial year."""

    financial_year: str
    org_unit_codes: list[str] = Field(
        description="The org units (and all below them) whose spend this is; empty: the council"
    )
    service_plans: SpendTotals
    projects: SpendTotals


class ScorecardSummary(Summary):
    spend: Spend | None = Field(
        default=None,
        description="The spend of the service plans and projects in scope, for those who read "
        "plans: the org unit asked for, else the reader's own directorate or service",
    )


class Scorecard(ResponseSchema):
    period: str
    summary: ScorecardSummary
    rows: list[StatusRead]
