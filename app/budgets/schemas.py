from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from app.core.schemas import Measure, RequestSchema, ResponseSchema
from app.status.schemas import SpendTotals


def _json_number(value: Any) -> Any:
    # A budget comes from a finance system as a number; "12k" or "1,200" is a bug to show.
    if isinstance(value, str | bytes):
        raise ValueError("must be a number (in pounds), not text")
    return value


# The digits are limited before the text check wraps the number (after it, pydantic could no
# longer apply them to the decimal, and would write them into the JSON schema as they are).
Pounds = Annotated[
    Measure,
    Field(max_digits=17, decimal_places=2, description="Pounds, to the penny"),
    BeforeValidator(_json_number),
]
Category = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class BudgetLineIn(RequestSchema):
    category: Category = Field(description="e.g. Employees, Supplies and services, Income")
    budget: Pounds
    forecast: Pounds = Field(description="The forecast outturn for the year")
    actual: Pounds = Field(description="Spent so far")


class BudgetIn(RequestSchema):
    lines: list[BudgetLineIn] = Field(max_length=500, description="Replaces the year's lines")

    @field_validator("lines")
    @classmethod
    def _categories_unique(cls, lines: list[BudgetLineIn]) -> list[BudgetLineIn]:
        seen: set[str] = set()
        for line in lines:
            key = line.category.casefold()
            if key in seen:
                raise ValueError(f"the category {line.category!r} appears twice")
            seen.add(key)
        return lines


class BudgetLineRead(ResponseSchema):
    category: str
    budget: Measure
    forecast: Measure
    actual: Measure
    forecast_variance: Measure = Field(description="forecast - budget: positive is an overspend")
    actual_variance: Measure = Field(description="actual - budget: positive is an overspend")


class BudgetRead(ResponseSchema):
    plan_id: uuid.UUID | None
    project_id: uuid.UUID | None
    financial_year: str
    lines: list[BudgetLineRead]
    totals: SpendTotals
    updated_at: datetime | None = Field(description="null while no lines were ever set")
