"""Year-end forecasts from the periods of a financial year reported so far."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

AGGREGATIONS = ("sum", "mean", "latest", "ratio", "max", "min")


class ForecastMethod(StrEnum):
    RUN_RATE = "run_rate"
    LINEAR_TREND = "linear_trend"
    # The year's target scaled by the year to date against its target (app.measures.measure).
    TARGET_PROFILE = "target_profile"
    ACTUAL = "actual"


@dataclass(frozen=True)
class Forecast:
    """A forecast of the year-end outturn and how it was made."""

    value: Decimal
    method: ForecastMethod


def forecast_year_end(
    *,
    values: Sequence[Decimal | None],
    periods_in_year: int,
    aggregation: str,
    lower_bound: Decimal | None = None,
    upper_bound: Decimal | None = None,
) -> Forecast | None:
    """Forecast the year-end outturn: actual, run rate for sums, linear trend otherwise."""
    method = forecast_method(
        values=values,
        periods_in_year=periods_in_year,
        aggregation=aggregation,
        lower_bound=lower_bound,
        upper_bound=upper_bound,
    )
    if method is None:
        return None
    known = {index: value for index, value in enumerate(values) if value is not None}

    if method is ForecastMethod.ACTUAL:
        year = [known[index] for index in range(periods_in_year)]
        return Forecast(value=_aggregate(year, aggregation), method=method)

    if method is ForecastMethod.RUN_RATE:
        # Missing periods (not yet due, or gaps) are assumed to run at the known periods'
        # average, so a gap does not drag the projected total down.
        run_rate = sum(known.values(), Decimal(0)) / len(known) * periods_in_year
        return Forecast(value=run_rate, method=ForecastMethod.RUN_RATE)

    line = _trend_line(known)
    year = [
        known[index]
        if index in known
        else _clamp(line(index), lower_bound=lower_bound, upper_bound=upper_bound)
        for index in range(periods_in_year)
    ]
    return Forecast(value=_aggregate(year, aggregation), method=ForecastMethod.LINEAR_TREND)


def forecast_method(
    *,
    values: Sequence[Decimal | None],
    periods_in_year: int,
    aggregation: str,
    lower_bound: Decimal | None = None,
    upper_bound: Decimal | None = None,
) -> ForecastMethod | None:
    """How ``forecast_year_end`` forecasts these values (None: it does not), with the same
    checks of its arguments, without projecting anything: a caller that forecasts by another
    method where this one would project (``app.measures.measure``: the target profile) need
    not work the projection out."""
    if periods_in_year < 1:
        raise ValueError(f"periods_in_year must be at least 1, not {periods_in_year}")
    if len(values) > periods_in_year:
        raise ValueError(f"{len(values)} values for a year of {periods_in_year} periods")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}")
    if lower_bound is not None and upper_bound is not None and lower_bound > upper_bound:
        raise ValueError(f"lower_bound {lower_bound} is above upper_bound {upper_bound}")
    known = 0
    for value in values:
        if value is None:
            continue
        if not value.is_finite():
            raise ValueError(f"values must be finite, not {value!r}")
        known += 1
    if not known:
        return None
    if known == periods_in_year:
        return ForecastMethod.ACTUAL
    return ForecastMethod.RUN_RATE if aggregation == "sum" else ForecastMethod.LINEAR_TREND


def _aggregate(year: Sequence[Decimal], aggregation: str) -> Decimal:
    """Combine a full year of period values into the outturn."""
    if aggregation == "sum":
        return sum(year, Decimal(0))
    if aggregation in ("mean", "ratio"):
        # A ratio's true outturn needs its numerators and denominators; with only the
        # period values at hand the mean of the values stands in for it.
        return sum(year, Decimal(0)) / len(year)
    if aggregation == "latest":
        return year[-1]
    if aggregation == "max":
        return max(year)
    return min(year)


def _trend_line(points: Mapping[int, Decimal]) -> Callable[[int], Decimal]:
    """The least-squares line through the (index, value) points; flat through a single point."""
    count = len(points)
    sum_x = sum(points)
    sum_y = sum(points.values(), Decimal(0))
    sum_xy = sum((index * value for index, value in points.items()), Decimal(0))
    sum_xx = sum(index * index for index in points)
    slope_numerator = count * sum_xy - sum_x * sum_y
    # Zero only for a single point, since the indexes are distinct.
    slope_denominator = count * sum_xx - sum_x * sum_x

    def at(index: int) -> Decimal:
        """The line's value at the index."""
        if slope_denominator == 0:
            return sum_y / count
        # mean_y + slope * (index - mean_x) over one common denominator, so that projecting
        # divides once and rounds at most once.
        numerator = sum_y * slope_denominator + slope_numerator * (count * index - sum_x)
        return numerator / (count * slope_denominator)

    return at


def _clamp(value: Decimal, *, lower_bound: Decimal | None, upper_bound: Decimal | None) -> Decimal:
    """Keep a projected value within what the measure can take (e.g. 0..100 for a percentage)."""
    if lower_bound is not None and value < lower_bound:
        return lower_bound
    if upper_bound is not None and value > upper_bound:
        return upper_bound
    return value
