"""Budget arithmetic, exact in pounds: variances and totals. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class Amounts(Protocol):
    @property
    def budget(self) -> Decimal: ...
    @property
    def forecast(self) -> Decimal: ...
    @property
    def actual(self) -> Decimal: ...


@dataclass(frozen=True)
class Totals:
    budget: Decimal
    forecast: Decimal
    actual: Decimal
    lines: int

    @property
    def forecast_variance(self) -> Decimal:
        return variance(self.forecast, self.budget)

    @property
    def actual_variance(self) -> Decimal:
        return variance(self.actual, self.budget)


def variance(amount: Decimal, budget: Decimal) -> Decimal:
    """amount - budget: positive is an overspend, negative an underspend."""
    return amount - budget


def totals(lines: Iterable[Amounts]) -> Totals:
    budget = forecast = actual = Decimal(0)
    count = 0
    for line in lines:
        budget += line.budget
        forecast += line.forecast
        actual += line.actual
        count += 1
    return Totals(budget=budget, forecast=forecast, actual=actual, lines=count)
