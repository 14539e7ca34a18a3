"""Schema base classes and shared field types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def _json_number(value: Decimal) -> int | float:
    # JSON has one number type; integral Decimals go out as integers, others as the shortest
    # float that round-trips (exact for the <= 15 significant digits a measurement carries).
    if value == value.to_integral_value():
        return int(value)
    return float(value)


Measure = Annotated[
    Decimal,
    # What the columns hold exactly: 20 digits before the point and 10 after.
    Field(allow_inf_nan=False, max_digits=30, decimal_places=10, lt=10**20, gt=-(10**20)),
    PlainSerializer(_json_number, return_type=int | float, when_used="json"),
]
"""A measurement: exact Decimal inside, a JSON number outside; NaN and infinity refused."""


class RequestSchema(BaseModel):
    """Bodies clients send: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


def model_dump_json_safe(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
