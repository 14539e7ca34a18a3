"""Schema base classes and shared field types."""

from __future__ import annotations

import re
import types
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)

from app.core.pagination import link_page


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


# NUL and the C0 controls but tab, newline and carriage return, and DEL (as the middleware's).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_controls(value: Any) -> None:
    """ValueError when the text, or any text inside the list or dict, has a control character."""
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            raise ValueError("control characters (such as NUL) are not accepted in text")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            refuse_controls(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_controls(key)
            refuse_controls(item)


class RequestSchema(BaseModel):
    """Bodies clients send: unknown fields are refused, so a typo never passes silently, and
    text with control characters is refused (NUL cannot be stored on PostgreSQL, and the
    others break the spreadsheets and pages the text ends up in)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_loose_conversions(cls, value: Any, info: ValidationInfo) -> Any:
        # Pydantic would read 0 as 1970-01-01, false as 0 and 0 as false; a council system
        # that sends those has a bug we should show it, not hide.
        if value is None or info.field_name is None:
            return value
        kind = _kind_of(cls, info.field_name)
        if kind == "bool" and not isinstance(value, bool):
            raise ValueError("must be true or false")
        if kind == "number" and isinstance(value, bool):
            raise ValueError("must be a number, not true or false")
        if kind == "temporal":
            return iso_text(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        refuse_controls(value)
        return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def iso_text(value: Any) -> Any:
    """A date or time must be ISO 8601 text: pydantic would also read 0 or "0.5" as seconds
    since 1970."""
    if isinstance(value, str | bytes):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if not _ISO_DATE.match(text.strip()):
            raise ValueError("must be a date or time in ISO 8601 (2025-04-01, 2025-04-01T09:00Z)")
        return value
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError("must be a date or time written as text (ISO 8601)")
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(iso_text)]
"""A timezone-aware timestamp given as ISO 8601 text (for query parameters)."""

_KINDS: dict[tuple[type[BaseModel], str], str | None] = {}


def _kind_of(model: type[BaseModel], name: str) -> str | None:
    """ "bool", "number" or "temporal" for a field of one such type (or None with it)."""
    key = (model, name)
    if key not in _KINDS:
        field = model.model_fields.get(name)
        members = _members(field.annotation) if field else set()
        members.discard(type(None))
        kind = None
        if members and members <= {bool}:
            kind = "bool"
        elif members and all(
            isinstance(m, type) and issubclass(m, int | float | Decimal) and m is not bool
            for m in members
        ):
            kind = "number"
        elif members and all(isinstance(m, type) and issubclass(m, date | time) for m in members):
            kind = "temporal"
        _KINDS[key] = kind
    return _KINDS[key]


def _members(annotation: Any) -> set[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_members(arg) for arg in get_args(annotation)))
    return {annotation}


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: every list answers with this envelope, and a `Link` header naming
    its first, previous, next and last pages."""

    items: list[T] = Field(description="This page's items")
    page: int = Field(description="1-based page number", examples=[1])
    page_size: int = Field(description="Items per page (max 500)", examples=[50])
    total: int = Field(description="Items in the whole list, over every page", examples=[123])

    def model_post_init(self, context: Any, /) -> None:
        # Built as a request's answer: its neighbours go in the Link header.
        link_page(self.page, self.page_size, self.total)
