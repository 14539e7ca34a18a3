from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.measures.vocabulary import ToleranceUnit
from app.settings.logo import UnsafeLogo, check_logo

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


class PublicRelease(StrEnum):
    """When approved figures reach the public pages."""

    ON_APPROVAL = "on_approval"
    AFTER_BOARD_DATE = "after_board_date"


class CouncilIn(RequestSchema):
    """The council's identity on its reports, and when its figures are released to the public."""

    name: str = Field(min_length=1, max_length=200, description="Printed on every report")
    logo_svg: str | None = Field(
        default=None,
        max_length=200_000,
        description="An SVG document: shapes, gradients and text only (no scripts, event "
        "handlers, external references, foreignObject or style sheets)",
    )
    public_release: PublicRelease = Field(
        default=PublicRelease.ON_APPROVAL,
        description="on_approval: a figure is public once approved; after_board_date: a "
        "period's figures stay off the public pages until its board date",
    )

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value

    @field_validator("logo_svg")
    @classmethod
    def _safe_logo(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_logo(value)
        except UnsafeLogo as error:
            raise ValueError(str(error)) from None


class CouncilRead(ResponseSchema):
    name: str | None = Field(description="null until an admin names the council")
    logo_svg: str | None
    public_release: PublicRelease
