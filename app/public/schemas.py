"""What the public may see: published definitions and approved figures, nothing internal.

Each schema names its fields explicitly, so a field added to an internal schema (an owner, a
commentary, a draft's status) never reaches the public by accident.
"""

from __future__ import annotations

from pydantic import Field

from app.core.schemas import Measure, ResponseSchema
from app.measures.measure import Summary
from app.measures.vocabulary import Frequency, Polarity, Rag, ValueType
from app.status.schemas import Band, Directions, YearToDate


class PublicIndicator(ResponseSchema):
    code: str
    title: str
    definition: str | None
    rationale: str | None
    data_source: str | None
    value_type: ValueType
    unit: str | None
    decimal_places: int
    polarity: Polarity
    frequency: Frequency
    org_unit_code: str
    is_national: bool


class PublicPoint(ResponseSchema):
    period: str
    value: Measure
    target: Measure | None = Field(description="A point target; null for a band or no target")
    target_band: Band | None = Field(description="lower/upper for a within_range indicator")
    rag: Rag


class PublicIndicatorDetail(PublicIndicator):
    series: list[PublicPoint] = Field(
        description="Every period with an approved value, oldest first"
    )


class PublicStatus(ResponseSchema):
    indicator_code: str
    title: str
    org_unit_code: str
    period: str
    value: Measure | None
    target: Measure | None
    target_band: Band | None
    rag: Rag | None = Field(
        description="null only when there is no value and the data is not yet due"
    )
    direction: Directions
    ytd: YearToDate
    complete: bool = Field(description="false when some parts of the period have no figure")
    as_at: str = Field(
        description="The latest part with an approved figure when the period is rated before "
        "all its parts are in (value and target are then for the parts present), else the period"
    )
    polarity: Polarity
    value_type: ValueType
    unit: str | None
    decimal_places: int


class PublicScorecard(ResponseSchema):
    period: str
    summary: Summary
    rows: list[PublicStatus]
