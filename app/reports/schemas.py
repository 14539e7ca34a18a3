from __future__ import annotations

from pydantic import Field

from app.actions.schemas import ActionRead
from app.core.schemas import ResponseSchema
from app.measures.vocabulary import Rag
from app.status.schemas import StatusRead


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
