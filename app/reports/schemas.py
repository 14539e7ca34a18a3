from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from app.actions.schemas import ActionRead
from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.measures.vocabulary import Direction, Frequency, Polarity, Rag, ValueType
from app.recommendations.schemas import RecommendationRead
from app.status.schemas import StatusRead


@dataclass(frozen=True)
class ReportFilters:
    """The filters every report takes, as the query string gives them (not yet resolved)."""

    org_unit_code: str | None = None
    plan_id: uuid.UUID | None = None
    objective_id: uuid.UUID | None = None
    committee_id: uuid.UUID | None = None
    is_key: bool | None = None


class ExceptionRow(StatusRead):
    previous_rag: Rag | None = Field(description="The measure's status in the previous period")
    red_two_periods: bool = Field(description="Red in this period and the one before")
    actions: list[ActionRead] = Field(
        description="Corrective actions raised for this period or the one before"
    )
    has_corrective_action: bool = Field(description="At least one action not cancelled")


class ExceptionSummary(ResponseSchema):
    red: int
    amber: int


class ExceptionReport(ResponseSchema):
    period: str
    previous_period: str
    summary: ExceptionSummary
    rows: list[ExceptionRow] = Field(description="Red measures first, then amber, by code")
    red_two_periods_in_a_row: list[str]
    without_corrective_action: list[str]
    overdue_recommendations: list[RecommendationRead] = Field(
        default_factory=list,
        description="High-priority recommendations past their due date and not implemented, "
        "in the report's org units, by due date",
    )


class OutturnRow(ResponseSchema):
    indicator_code: str
    title: str
    org_unit_code: str
    is_key: bool
    frequency: Frequency
    polarity: Polarity
    value_type: ValueType
    unit: str | None
    decimal_places: int
    q1: Measure | None = Field(description="Q1's value (a monthly measure's months combined)")
    q2: Measure | None
    q3: Measure | None
    q4: Measure | None
    outturn: Measure | None = Field(
        description="The year's value from its approved figures: the year to date while the "
        "year runs, the annual outturn once complete"
    )
    outturn_as_at: str = Field(
        description="The latest quarter or month with a figure while some of the year's are "
        "missing (the outturn and its target are then for the periods present), else the year"
    )
    outturn_complete: bool = Field(description="false while some of the year's figures are missing")
    annual_target: Measure | None
    annual_target_lower: Measure | None = Field(description="A within_range target's band")
    annual_target_upper: Measure | None
    rag: Rag | None = Field(description="The outturn against the annual target")
    last_year_outturn: Measure | None
    direction_vs_last_year: Direction


OUTTURN_COLUMNS: list[str] = list(OutturnRow.model_fields)
QUARTER_COLUMNS = ("q1", "q2", "q3", "q4")
MEASURE_COLUMNS = frozenset(
    {
        *QUARTER_COLUMNS,
        "outturn",
        "annual_target",
        "annual_target_lower",
        "annual_target_upper",
        "last_year_outturn",
    }
)


class OutturnReport(ResponseSchema):
    year: str
    columns: list[str] = Field(description="The row fields, in the order the CSV and XLSX use")
    rows: list[OutturnRow]


class NarrativeIn(RequestSchema):
    text: str = Field(max_length=20_000, description="Plain text; blank lines part paragraphs")


class NarrativeRead(ResponseSchema):
    period: str
    org_unit_code: str
    text: str = Field(description="Empty until someone writes it")
    updated_at: datetime | None
