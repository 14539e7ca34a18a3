"""Year-end forecasts: actual outturn, run rate and linear trend."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.measures.forecast import Forecast, ForecastMethod, forecast_year_end

ACTUAL = ForecastMethod.ACTUAL
RUN_RATE = ForecastMethod.RUN_RATE
LINEAR_TREND = ForecastMethod.LINEAR_TREND


def decimals(*values: int | str | None) -> list[Decimal | None]:
    """Period values as Decimals, keeping the gaps."""
    return [None if value is None else Decimal(value) for value in values]


def forecast(
    *values: int | str | None,
    periods: int = 12,
    aggregation: str = "mean",
    lower_bound: int | None = None,
    upper_bound: int | None = None,
) -> Forecast | None:
    """Forecast from plain numbers."""
    return forecast_year_end(
        values=decimals(*values),
        periods_in_year=periods,
        aggregation=aggregation,
        lower_bound=None if lower_bound is None else Decimal(lower_bound),
        upper_bound=None if upper_bound is None else Decimal(upper_bound),
    )


# Nothing to go on ------------------------------------------------------------------------------


@pytest.mark.parametrize("aggregation", ["sum", "mean", "latest", "ratio", "max", "min"])
def test_no_values_no_forecast(aggregation: str) -> None:
    assert forecast(aggregation=aggregation) is None
    assert forecast(None, None, None, aggregation=aggregation) is None


# A complete year -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("sum", Decimal(20)),
        ("mean", Decimal(5)),
        ("ratio", Decimal(5)),
        ("latest", Decimal(3)),
        ("max", Decimal(9)),
        ("min", Decimal(2)),
    ],
)
def test_a_complete_year_gives_the_actual_outturn(aggregation: str, expected: Decimal) -> None:
    result = forecast(6, 9, 2, 3, periods=4, aggregation=aggregation)

    assert result == Forecast(value=expected, method=ACTUAL)


def test_an_actual_mean_is_not_rounded() -> None:
    result = forecast(1, 2, 2, periods=3, aggregation="mean")

    assert result == Forecast(value=Decimal(5) / 3, method=ACTUAL)


def test_a_one_period_year() -> None:
    assert forecast(7, periods=1, aggregation="sum") == Forecast(value=Decimal(7), method=ACTUAL)


def test_actual_values_are_never_clamped() -> None:
    result = forecast(120, 80, periods=2, aggregation="max", upper_bound=100)

    assert result == Forecast(value=Decimal(120), method=ACTUAL)


def test_a_year_with_a_gap_is_not_complete() -> None:
    result = forecast(1, None, 3, periods=3, aggregation="mean")

    assert result is not None
    assert result.method is LINEAR_TREND


# Run rate for sums -----------------------------------------------------------------------------


def test_a_sum_runs_at_the_average_of_the_known_periods() -> None:
    assert forecast(10, 20, 30, aggregation="sum") == Forecast(value=Decimal(240), method=RUN_RATE)


def test_a_run_rate_counts_known_periods_not_elapsed_ones() -> None:
    assert forecast(10, None, 20, aggregation="sum") == Forecast(
        value=Decimal(180), method=RUN_RATE
    )


def test_a_run_rate_keeps_decimal_places() -> None:
    result = forecast("10.5", "11.25", aggregation="sum", periods=4)

    assert result == Forecast(value=Decimal("43.50"), method=RUN_RATE)


def test_a_run_rate_is_not_rounded() -> None:
    result = forecast(1, 1, 2, aggregation="sum", periods=4)

    assert result == Forecast(value=Decimal(4) / 3 * 4, method=RUN_RATE)


def test_a_run_rate_ignores_trends() -> None:
    result = forecast(1, 2, 3, 4, aggregation="sum")

    assert result == Forecast(value=Decimal(30), method=RUN_RATE)


# Linear trend ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("mean", Decimal("6.5")),  # 1, 2, 3 projected on to 12
        ("ratio", Decimal("6.5")),
        ("latest", Decimal(12)),
        ("max", Decimal(12)),
        ("min", Decimal(1)),
    ],
)
def test_a_rising_line_is_projected_to_the_year_end(aggregation: str, expected: Decimal) -> None:
    result = forecast(1, 2, 3, aggregation=aggregation)

    assert result == Forecast(value=expected, method=LINEAR_TREND)


def test_the_line_is_the_least_squares_fit() -> None:
    # Mean index 1.5, mean value 3.5, slope 4 / 5 = 0.8: periods 4 and 5 project to 5.5 and 6.3.
    latest = forecast(2, 4, 3, 5, periods=6, aggregation="latest")
    mean = forecast(2, 4, 3, 5, periods=6, aggregation="mean")

    assert latest == Forecast(value=Decimal("6.3"), method=LINEAR_TREND)
    assert mean == Forecast(value=Decimal("4.3"), method=LINEAR_TREND)


def test_one_known_value_gives_a_flat_line() -> None:
    assert forecast(5, aggregation="latest") == Forecast(value=Decimal(5), method=LINEAR_TREND)
    assert forecast(None, 5, aggregation="mean") == Forecast(value=Decimal(5), method=LINEAR_TREND)


def test_a_gap_is_filled_from_the_line() -> None:
    # The line through (0, 1) and (2, 3) passes through (1, 2).
    result = forecast(1, None, 3, periods=3, aggregation="min")

    assert result == Forecast(value=Decimal(1), method=LINEAR_TREND)
    assert forecast(1, None, 3, periods=3, aggregation="mean") == Forecast(
        value=Decimal(2), method=LINEAR_TREND
    )


def test_the_line_runs_over_the_known_periods_at_their_own_indexes() -> None:
    # Known at 0 and 3 (1 and 4): the line is value = index + 1, so period 11 projects to 12.
    result = forecast(1, None, None, 4, aggregation="latest")

    assert result == Forecast(value=Decimal(12), method=LINEAR_TREND)


def test_a_known_last_period_is_the_latest_even_with_a_gap_before_it() -> None:
    result = forecast(1, None, 9, periods=3, aggregation="latest")

    assert result == Forecast(value=Decimal(9), method=LINEAR_TREND)


def test_a_falling_line() -> None:
    result = forecast(12, 11, 10, aggregation="min")

    assert result == Forecast(value=Decimal(1), method=LINEAR_TREND)


def test_a_projection_is_clamped_to_the_upper_bound() -> None:
    # A percentage rising 5 points a period would pass 100 by the year end.
    result = forecast(80, 85, 90, aggregation="latest", lower_bound=0, upper_bound=100)

    assert result == Forecast(value=Decimal(100), method=LINEAR_TREND)


def test_a_projection_is_clamped_to_the_lower_bound() -> None:
    # A count falling 3 a period would go negative.
    result = forecast(10, 7, 4, aggregation="min", lower_bound=0)

    assert result == Forecast(value=Decimal(0), method=LINEAR_TREND)


def test_every_projected_period_is_clamped_before_combining() -> None:
    # Projected 95, 100, 105 and 110 become 95, 100, 100 and 100: (255 + 395) / 7.
    result = forecast(80, 85, 90, periods=7, aggregation="mean", upper_bound=100)

    assert result == Forecast(value=Decimal(650) / 7, method=LINEAR_TREND)


def test_known_values_outside_the_bounds_are_kept() -> None:
    result = forecast(120, None, periods=3, aggregation="max", upper_bound=100)

    assert result == Forecast(value=Decimal(120), method=LINEAR_TREND)


def test_the_forecast_is_a_decimal_and_not_rounded() -> None:
    result = forecast("0.1", "0.2", periods=3, aggregation="latest")

    assert result == Forecast(value=Decimal("0.3"), method=LINEAR_TREND)
    assert isinstance(result.value, Decimal)


def test_the_aggregation_may_be_a_str_enum() -> None:
    class Aggregation(StrEnum):
        MEAN = "mean"

    result = forecast_year_end(
        values=decimals(1, 2, 3), periods_in_year=12, aggregation=Aggregation.MEAN
    )

    assert result == Forecast(value=Decimal("6.5"), method=LINEAR_TREND)


@given(
    intercept=st.integers(min_value=-1000, max_value=1000),
    slope=st.integers(min_value=-50, max_value=50),
    known=st.integers(min_value=2, max_value=11),
)
def test_a_straight_line_is_projected_exactly(intercept: int, slope: int, known: int) -> None:
    values = [Decimal(intercept + slope * index) for index in range(known)]

    result = forecast_year_end(values=values, periods_in_year=12, aggregation="latest")

    assert result == Forecast(value=Decimal(intercept + slope * 11), method=LINEAR_TREND)


@given(
    values=st.lists(
        st.one_of(st.none(), st.integers(min_value=-100, max_value=100)), min_size=1, max_size=11
    ),
    aggregation=st.sampled_from(["mean", "latest", "ratio", "max", "min"]),
)
def test_projections_stay_within_the_bounds(values: list[int | None], aggregation: str) -> None:
    result = forecast(*values, aggregation=aggregation, lower_bound=-100, upper_bound=100)

    if all(value is None for value in values):
        assert result is None
    else:
        assert result is not None
        assert Decimal(-100) <= result.value <= Decimal(100)


# Invalid input ---------------------------------------------------------------------------------


def test_more_values_than_periods_is_rejected() -> None:
    with pytest.raises(ValueError, match="values for a year of 3"):
        forecast(1, 2, 3, 4, periods=3)


@pytest.mark.parametrize("periods", [0, -1])
def test_a_year_without_periods_is_rejected(periods: int) -> None:
    with pytest.raises(ValueError, match="periods_in_year"):
        forecast(periods=periods)


def test_an_unknown_aggregation_is_rejected() -> None:
    with pytest.raises(ValueError, match="median"):
        forecast(1, 2, aggregation="median")


def test_bounds_the_wrong_way_round_are_rejected() -> None:
    with pytest.raises(ValueError, match="lower_bound"):
        forecast(1, 2, lower_bound=100, upper_bound=0)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_a_value_that_is_not_finite_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        forecast(1, bad)
