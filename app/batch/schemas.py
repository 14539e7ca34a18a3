from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from app.core.schemas import (
    CONTROL_CHARACTERS,
    Measure,
    RequestSchema,
    ResponseSchema,
    refuse_controls,
)
from app.indicators.schemas import TargetIn
from app.measures.vocabulary import QualityFlag

MAX_ITEMS = 10_000
CSV_COLUMNS = (
    "indicator_code",
    "period",
    "value",
    "numerator",
    "denominator",
    "commentary",
    "quality_flags",
)
REQUIRED_CSV_COLUMNS = ("indicator_code", "period", "value")


class BatchItem(RequestSchema):
    """One value to store: the same fields as PUT .../values/{period}, plus where it belongs."""

    indicator_code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    period: Annotated[str, StringConstraints(min_length=4, max_length=16)]
    value: Measure | None = None
    numerator: Measure | None = None
    denominator: Measure | None = None
    commentary: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    quality_flags: list[QualityFlag] = Field(default_factory=list, max_length=4)

    # RequestSchema's two checks, narrowed to the fields they can bear on, with the same
    # errors: a batch of 10,000 items would otherwise make two Python calls per field per item
    # (measured: the largest share of validating a batch). A number field is the only one
    # where a boolean slips through; after validation only the text fields can hold control
    # characters (flags are members of their enum, figures Decimals).
    @field_validator("value", "numerator", "denominator", mode="before")
    @classmethod
    def _no_loose_conversions(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number, not true or false")
        return value

    @field_validator("indicator_code", "period", "commentary", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        refuse_controls(value)
        return value


class BatchIn(RequestSchema):
    """The JSON form of a bulk push (CSV: the same columns with a header row)."""

    items: list[dict[str, Any]] = Field(
        max_length=MAX_ITEMS, description="BatchItem objects; each is checked on its own"
    )
    submit: bool = Field(default=False, description="Also submit what is stored, for approval")
    atomic: bool = Field(default=True, description="All or nothing; false stores what is valid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        """RequestSchema's check in one loop over the items' flat fields (the same error)
        rather than one recursive call per key and value."""
        if not isinstance(value, list):
            refuse_controls(value)
            return value
        search = CONTROL_CHARACTERS.search
        for item in value:
            for key, field in item.items():
                if search(key) or (
                    search(field) if type(field) is str else isinstance(field, list | dict)
                ):
                    refuse_controls(key)
                    refuse_controls(field)
        return value


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


class ItemError(ResponseSchema):
    loc: list[str | int]
    msg: str
    type: str


class ItemResult(ResponseSchema):
    index: int
    line: int | None = Field(default=None, description="The CSV line (the header is line 1)")
    indicator_code: str | None
    period: str | None
    outcome: Outcome
    errors: list[ItemError] = Field(default_factory=list)


class BatchSummary(ResponseSchema):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error: int = 0


class BatchResult(ResponseSchema):
    atomic: bool
    submit: bool
    stored: bool = Field(description="false when an atomic batch was refused and nothing kept")
    summary: BatchSummary
    results: list[ItemResult]


# Bulk targets: the fields of PUT /indicators/{code}/targets/{period}, plus where they belong.
TARGET_CSV_COLUMNS = ("indicator_code", "period", "value", "lower", "upper", "floor", "reason")
REQUIRED_TARGET_CSV_COLUMNS = ("indicator_code", "period")


class TargetBatchItem(TargetIn):
    """One target to set: value (or lower and/or upper for a band), floor, reason."""

    indicator_code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    period: Annotated[str, StringConstraints(min_length=4, max_length=16)]


class TargetBatchIn(RequestSchema):
    """The JSON form of a bulk target change (CSV: the same columns with a header row)."""

    items: list[dict[str, Any]] = Field(
        max_length=MAX_ITEMS, description="TargetBatchItem objects; each is checked on its own"
    )
    atomic: bool = Field(default=True, description="All or nothing; false stores what is valid")


class TargetBatchResult(ResponseSchema):
    atomic: bool
    stored: bool = Field(description="false when an atomic batch was refused and nothing kept")
    summary: BatchSummary
    results: list[ItemResult]
