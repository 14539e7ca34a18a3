"""XmR limits and the four special cause rules, with recalculation, baseline and screening."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.spc.engine import (
    MIN_POINTS,
    ImprovementDirection,
    PointType,
    SpcPoint,
    SpcResult,
    SpcRule,
    xmr,
)

INCREASE = ImprovementDirection.INCREASE
DECREASE = ImprovementDirection.DECREASE
NEUTRAL = ImprovementDirection.NEUTRAL

# The worked example of the issue: one astronomical point in an otherwise steady series.
WORKED = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def quiet(pairs: int) -> list[float]:
    """A steady series that alternates across the mean, so it breaks no rule."""
    return [2.0, -2.0] * pairs


def flagged(result: SpcResult) -> list[int]:
    """Indexes of the special cause points."""
    return [point.index for point in result.points if point.special_cause]


def rules_at(result: SpcResult) -> dict[int, tuple[SpcRule, ...]]:
    """The rules each special cause point broke, by index."""
    return {point.index: point.rules for point in result.points if point.special_cause}


def types_at(result: SpcResult) -> dict[int, PointType]:
    """The type of each special cause point, by index."""
    return {point.index: point.type for point in result.points if point.special_cause}


def lines(point: SpcPoint) -> tuple[float, float, float, float, float]:
    """A point's mean, process limits and near-limit lines, none of them missing."""
    assert point.mean is not None
    assert point.lower_limit is not None
    assert point.upper_limit is not None
    assert point.lower_near is not None
    assert point.upper_near is not None
    return point.mean, point.lower_limit, point.upper_limit, point.lower_near, point.upper_near


# Worked example --------------------------------------------------------------------------------


def test_worked_example_with_screening() -> None:
    result = xmr(WORKED, run_length=7, screen_outliers=True)

    mean, lower, upper, _, _ = lines(result.points[0])
    assert mean == pytest.approx(1.9444, abs=1e-4)
    assert lower == pytest.approx(-0.7156, abs=1e-4)
    assert upper == pytest.approx(4.6044, abs=1e-4)
    assert flagged(result) == [4]
    assert rules_at(result) == {4: (SpcRule.OUTSIDE_LIMITS,)}


def test_worked_example_without_screening() -> None:
    result = xmr(WORKED, run_length=7)

    mean, lower, upper, _, _ = lines(result.points[0])
    assert mean == pytest.approx(1.9444, abs=1e-4)
    assert lower == pytest.approx(-3.0626, abs=1e-4)
    assert upper == pytest.approx(6.9515, abs=1e-4)
    assert flagged(result) == [4]


def test_worked_example_near_limit_lines_are_two_thirds_of_the_way() -> None:
    # Screened, the average moving range is exactly 1: the 8 and the 9 are screened out.
    result = xmr(WORKED, run_length=7, screen_outliers=True)

    mean, _, _, lower_near, upper_near = lines(result.points[0])
    assert lower_near == pytest.approx(mean - 2 / 3 * 2.66)
    assert upper_near == pytest.approx(mean + 2 / 3 * 2.66)


def test_every_point_carries_the_lines_of_a_single_segment_chart() -> None:
    result = xmr(WORKED)

    assert len({lines(point) for point in result.points}) == 1
    assert [point.index for point in result.points] == list(range(len(WORKED)))
    assert [point.value for point in result.points] == [float(value) for value in WORKED]


def test_decimal_values_give_the_same_chart_as_floats() -> None:
    as_decimals = xmr([Decimal(value) for value in WORKED], screen_outliers=True)
    as_floats = xmr([float(value) for value in WORKED], screen_outliers=True)

    assert as_decimals == as_floats


def test_values_are_not_rounded() -> None:
    result = xmr([Decimal("0.123456789")] * 7 + [Decimal("0.987654321")] * 7)

    assert result.points[0].value == 0.123456789
    assert lines(result.points[0])[0] == pytest.approx((0.123456789 + 0.987654321) / 2, rel=1e-15)


# Limits ----------------------------------------------------------------------------------------


def test_limits_are_mean_plus_or_minus_2_66_average_moving_ranges() -> None:
    values = [3.0, 7.0, 4.0, 9.0, 5.0, 6.0, 2.0, 8.0, 5.0, 4.0, 6.0, 7.0, 3.0, 5.0]
    mean = sum(values) / len(values)
    average_range = sum(abs(b - a) for a, b in pairwise(values)) / 13

    point = xmr(values).points[0]

    assert lines(point) == pytest.approx(
        (
            mean,
            mean - 2.66 * average_range,
            mean + 2.66 * average_range,
            mean - 2 / 3 * 2.66 * average_range,
            mean + 2 / 3 * 2.66 * average_range,
        )
    )


def test_a_constant_series_has_collapsed_limits_and_no_special_cause() -> None:
    # Every point sits on the mean and on both limits: not outside them, no run, no trend.
    result = xmr([5.0] * 15, improvement_direction=INCREASE)

    assert lines(result.points[0]) == (5.0, 5.0, 5.0, 5.0, 5.0)
    assert flagged(result) == []


# Too few points --------------------------------------------------------------------------------


def test_fewer_than_13_points_have_no_lines_no_special_cause_and_no_icons() -> None:
    values = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100]  # would be far outside the limits

    result = xmr(values, improvement_direction=INCREASE, target=50)

    assert len(result.points) == MIN_POINTS - 1
    for point in result.points:
        assert (point.mean, point.lower_limit, point.upper_limit) == (None, None, None)
        assert (point.lower_near, point.upper_near) == (None, None)
        assert not point.special_cause
        assert point.type is PointType.COMMON_CAUSE
        assert point.rules == ()
    assert result.variation_icon is None
    assert result.assurance_icon is None


def test_thirteen_points_are_enough() -> None:
    values = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100]

    result = xmr(values, improvement_direction=INCREASE, target=50)

    assert result.points[0].mean is not None
    assert SpcRule.OUTSIDE_LIMITS in result.points[12].rules
    assert result.variation_icon is not None
    assert result.assurance_icon is not None


def test_an_empty_series_gives_an_empty_chart() -> None:
    assert xmr([]) == SpcResult(points=(), variation_icon=None, assurance_icon=None)


def test_the_13_point_minimum_counts_the_whole_series_not_the_baseline() -> None:
    result = xmr(WORKED[:13], baseline=5)

    assert result.points[0].mean == pytest.approx(sum(WORKED[:5]) / 5)


# Rule 1: outside the process limits ------------------------------------------------------------


def test_a_point_above_the_upper_limit() -> None:
    values = [*quiet(10), 30.0, *quiet(10)]

    result = xmr(values, improvement_direction=INCREASE)

    assert rules_at(result) == {20: (SpcRule.OUTSIDE_LIMITS,)}
    assert types_at(result) == {20: PointType.IMPROVEMENT}


def test_a_point_below_the_lower_limit() -> None:
    values = [*quiet(10), -30.0, *quiet(10)]

    result = xmr(values, improvement_direction=INCREASE)

    assert rules_at(result) == {20: (SpcRule.OUTSIDE_LIMITS,)}
    assert types_at(result) == {20: PointType.CONCERN}


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (30.0, INCREASE, PointType.IMPROVEMENT),
        (30.0, DECREASE, PointType.CONCERN),
        (30.0, NEUTRAL, PointType.NEUTRAL),
        (-30.0, INCREASE, PointType.CONCERN),
        (-30.0, DECREASE, PointType.IMPROVEMENT),
        (-30.0, NEUTRAL, PointType.NEUTRAL),
    ],
)
def test_the_type_of_a_point_outside_the_limits_follows_the_direction(
    value: float, direction: ImprovementDirection, expected: PointType
) -> None:
    result = xmr([*quiet(10), value, *quiet(10)], improvement_direction=direction)

    assert types_at(result) == {20: expected}


def test_the_direction_does_not_change_which_points_are_special() -> None:
    values = [*quiet(10), 30.0, *quiet(10)]

    results = [xmr(values, improvement_direction=direction) for direction in ImprovementDirection]

    assert len({tuple(rules_at(result).items()) for result in results}) == 1


def test_a_plain_string_direction_is_accepted() -> None:
    result = xmr([*quiet(10), 30.0, *quiet(10)], improvement_direction="decrease")  # type: ignore[arg-type]

    assert types_at(result) == {20: PointType.CONCERN}


def test_common_cause_points_have_no_rules() -> None:
    result = xmr([*quiet(10), 30.0, *quiet(10)], improvement_direction=INCREASE)

    for point in result.points:
        if point.index != 20:
            assert not point.special_cause
            assert point.type is PointType.COMMON_CAUSE
            assert point.rules == ()


# Rule 2: a shift, a run on one side of the mean ------------------------------------------------

# Six points above the mean between two points below it; the +-5 swings keep the limits wide.
SHIFT_OF_SIX = [5, -5, 5, -5, 5, -5, 5, -5, 1, 2, 1, 2, 1, 2, -5, 5, -5, 5, -5, 5]


def test_a_run_of_six_above_the_mean_is_a_shift_when_the_run_length_is_6() -> None:
    result = xmr(SHIFT_OF_SIX, improvement_direction=INCREASE, run_length=6)

    assert rules_at(result) == dict.fromkeys(range(8, 14), (SpcRule.SHIFT,))
    assert set(types_at(result).values()) == {PointType.IMPROVEMENT}


def test_a_run_of_six_is_not_a_shift_when_the_run_length_is_7() -> None:
    assert flagged(xmr(SHIFT_OF_SIX, run_length=7)) == []


def test_a_run_of_seven_is_a_shift_when_the_run_length_is_7() -> None:
    values = [5, -5, 5, -5, 5, -5, 5, -5, 1, 2, 1, 2, 1, 2, 1, -5, 5, -5, 5, -5, 5]

    assert flagged(xmr(values, run_length=7)) == list(range(8, 15))


def test_a_run_of_five_is_not_a_shift() -> None:
    values = [5, -5, 5, -5, 5, -5, 5, -5, 1, 2, 1, 2, 1, -5, 5, -5, 5, -5, 5]

    assert flagged(xmr(values, run_length=6)) == []


def test_a_shift_longer_than_the_run_length_is_flagged_whole() -> None:
    values = [5, -5, 5, -5, 5, -5, 5, -5, 1, 2, 1, 2, 1, 2, 1, 2, 1, -5, 5, -5, 5, -5, 5]

    assert flagged(xmr(values, run_length=6)) == list(range(8, 17))


def test_a_shift_below_the_mean_is_a_concern_when_higher_is_better() -> None:
    values = [-value for value in SHIFT_OF_SIX]

    result = xmr(values, improvement_direction=INCREASE)

    assert flagged(result) == list(range(8, 14))
    assert set(types_at(result).values()) == {PointType.CONCERN}


# Both halves are mirror images, so the mean is exactly 0 and the two 0s sit on it.
ON_THE_MEAN = [5, -5, 5, -5, 1, 2, 1, 0, 2, 1, 2, -5, 5, -1, -2, -1, 0, -2, -1, -2, 5, -5, 5, -5]


def test_a_point_on_the_mean_breaks_a_run() -> None:
    result = xmr(ON_THE_MEAN, run_length=6)

    assert result.points[7].mean == 0.0
    assert result.points[7].value == 0.0
    assert flagged(result) == []


def test_the_same_runs_without_a_point_on_the_mean_are_shifts() -> None:
    values = [
        1.5 if index == 7 else -1.5 if index == 16 else v for index, v in enumerate(ON_THE_MEAN)
    ]

    result = xmr(values, run_length=6, improvement_direction=INCREASE)

    assert result.points[7].mean == 0.0
    assert flagged(result) == [*range(4, 11), *range(13, 20)]
    assert {types_at(result)[index] for index in range(4, 11)} == {PointType.IMPROVEMENT}
    assert {types_at(result)[index] for index in range(13, 20)} == {PointType.CONCERN}


# Rule 3: a trend -------------------------------------------------------------------------------

# Six points each higher than the last, crossing the mean, so they are no shift.
RISING_SIX = [5, -5, 5, -5, 5, -3, -2, -1, 1, 2, 3, -5, 5, -5, 5, -5, 5, -5, 5]


def test_six_rising_points_are_a_trend_when_the_run_length_is_6() -> None:
    result = xmr(RISING_SIX, run_length=6)

    assert rules_at(result) == dict.fromkeys(range(5, 11), (SpcRule.TREND,))


def test_six_rising_points_are_no_trend_when_the_run_length_is_7() -> None:
    assert flagged(xmr(RISING_SIX, run_length=7)) == []


def test_seven_rising_points_are_a_trend_when_the_run_length_is_7() -> None:
    values = [5, -5, 5, -5, 5, -3, -2, -1, 0, 1, 2, 3, -5, 5, -5, 5, -5, 5, -5, 5]

    assert flagged(xmr(values, run_length=7)) == list(range(5, 12))


def test_a_tie_breaks_a_trend() -> None:
    values = [5, -5, 5, -5, 5, -3, -2, -1, -1, 1, 2, 3, -5, 5, -5, 5, -5, 5, -5, 5]

    assert flagged(xmr(values, run_length=6)) == []


def test_a_trend_longer_than_the_run_length_is_flagged_whole() -> None:
    values = [5, -5, 5, -5, 5, -4, -3, -2, -1, 1, 2, 3, 4, -5, 5, -5, 5, -5, 5]

    assert flagged(xmr(values, run_length=6)) == list(range(5, 13))


def test_a_falling_trend_is_a_trend_too() -> None:
    values = [-value for value in RISING_SIX]

    assert flagged(xmr(values, run_length=6)) == list(range(5, 11))


def test_a_trend_points_the_way_it_moves_not_to_its_side_of_the_mean() -> None:
    # The first three points of the rising trend are below the mean, yet a rising trend is an
    # improvement when higher is better (NHSRplotthedots and the Making Data Count tool agree).
    result = xmr(RISING_SIX, improvement_direction=INCREASE)

    assert result.points[5].value < lines(result.points[5])[0]
    assert set(types_at(result).values()) == {PointType.IMPROVEMENT}


def test_a_rising_trend_is_a_concern_when_lower_is_better() -> None:
    result = xmr(RISING_SIX, improvement_direction=DECREASE)

    assert set(types_at(result).values()) == {PointType.CONCERN}


# A rise of six then a fall of six sharing the peak at index 10.
PEAK = [5, -5, 5, -5, 5, -3, -2, -1, 1, 2, 3, 2, 1, -1, -2, -3, 5, -5, 5, -5, 5, -5, 5, -5]


def test_a_peak_belongs_to_both_trends_and_counts_as_improvement() -> None:
    for direction in (INCREASE, DECREASE):
        result = xmr(PEAK, improvement_direction=direction, run_length=6)

        assert flagged(result) == list(range(5, 16))
        assert rules_at(result)[10] == (SpcRule.TREND,)
        assert types_at(result)[10] is PointType.IMPROVEMENT


def test_the_sides_of_a_peak_take_the_way_of_their_own_trend() -> None:
    result = xmr(PEAK, improvement_direction=INCREASE, run_length=6)

    assert {types_at(result)[index] for index in range(5, 10)} == {PointType.IMPROVEMENT}
    assert {types_at(result)[index] for index in range(11, 16)} == {PointType.CONCERN}


def test_a_falling_run_above_the_mean_is_flagged_both_ways_and_counts_as_improvement() -> None:
    # Seven points above the mean (a shift, high), the first six of which fall (a trend, low).
    values = [5, -5, 5, -5, 5, -5, 5, -5, 4, 3.5, 3, 2.5, 2, 1.5, 5, -5, 5, -5, 5, -5]

    for direction in (INCREASE, DECREASE):
        result = xmr(values, improvement_direction=direction, run_length=6)

        assert rules_at(result) == {
            **dict.fromkeys(range(8, 14), (SpcRule.SHIFT, SpcRule.TREND)),
            14: (SpcRule.SHIFT,),
        }
        assert {types_at(result)[index] for index in range(8, 14)} == {PointType.IMPROVEMENT}

    assert types_at(xmr(values, improvement_direction=INCREASE))[14] is PointType.IMPROVEMENT
    assert types_at(xmr(values, improvement_direction=DECREASE))[14] is PointType.CONCERN
    neutral = xmr(values, improvement_direction=NEUTRAL, run_length=6)
    assert set(types_at(neutral).values()) == {PointType.NEUTRAL}


# Rule 4: two of three beyond a near-limit line -------------------------------------------------


def two_of_three(pattern: list[float]) -> SpcResult:
    """A steady series with the pattern at indexes 20 to 22."""
    return xmr([*quiet(10), *pattern, *quiet(10)], improvement_direction=INCREASE)


def test_two_of_three_beyond_the_upper_near_line_flags_only_those_two() -> None:
    result = two_of_three([9.5, 1, 9.5])

    mean, _, upper, _, upper_near = lines(result.points[20])
    assert upper_near < 9.5 < upper
    assert mean < 1 < upper_near
    assert rules_at(result) == {20: (SpcRule.TWO_OF_THREE,), 22: (SpcRule.TWO_OF_THREE,)}
    assert set(types_at(result).values()) == {PointType.IMPROVEMENT}


def test_two_consecutive_points_beyond_the_near_line() -> None:
    result = two_of_three([9.5, 9.5, 1])

    assert rules_at(result) == {20: (SpcRule.TWO_OF_THREE,), 21: (SpcRule.TWO_OF_THREE,)}


def test_two_of_three_below_the_lower_near_line_is_a_concern_when_higher_is_better() -> None:
    result = two_of_three([-9.5, -1, -9.5])

    assert rules_at(result) == {20: (SpcRule.TWO_OF_THREE,), 22: (SpcRule.TWO_OF_THREE,)}
    assert set(types_at(result).values()) == {PointType.CONCERN}


def test_two_of_three_needs_the_third_point_on_the_same_side_of_the_mean() -> None:
    result = two_of_three([9.5, -1, 9.5])

    assert result.points[21].value < lines(result.points[21])[0]
    assert flagged(result) == []


def test_two_of_three_needs_both_points_beyond_the_same_near_line() -> None:
    assert flagged(two_of_three([9.5, 1, -9.5])) == []


def test_one_point_beyond_the_near_line_is_not_enough() -> None:
    result = two_of_three([9.5, 1, 1])

    assert result.points[20].value > lines(result.points[20])[4]
    assert flagged(result) == []


def test_a_point_beyond_the_process_limit_does_not_count_towards_two_of_three() -> None:
    # It is special cause by itself; its neighbour, merely beyond the near-limit line, is not.
    result = two_of_three([9.5, 1, 16])

    _, _, upper, _, upper_near = lines(result.points[20])
    assert upper_near < 9.5 < upper < 16
    assert rules_at(result) == {22: (SpcRule.OUTSIDE_LIMITS,)}


def test_a_point_on_the_mean_breaks_two_of_three() -> None:
    values = [*quiet(10), 9.5, 0, 9.5, *quiet(10), -19]  # the -19 brings the mean to exactly 0

    result = xmr(values)

    assert result.points[21].mean == 0.0
    assert flagged(result) == [43]


# Rules together --------------------------------------------------------------------------------


def test_rules_are_listed_in_rule_order() -> None:
    # Nine points above the mean: two of three near the upper limit, then one beyond it.
    values = [*quiet(10), 3, 4, 3, 12, 3, 12, 4, 30, *quiet(10)]

    result = xmr(values, improvement_direction=INCREASE, run_length=6)

    assert rules_at(result)[23] == (SpcRule.SHIFT, SpcRule.TWO_OF_THREE)
    assert rules_at(result)[27] == (SpcRule.OUTSIDE_LIMITS, SpcRule.SHIFT)
    assert rules_at(result)[26] == (SpcRule.SHIFT,)


# Screening outliers ----------------------------------------------------------------------------


def test_screening_leaves_the_mean_unchanged() -> None:
    screened = xmr(WORKED, screen_outliers=True).points[0]
    unscreened = xmr(WORKED).points[0]

    assert screened.mean == unscreened.mean
    assert screened.upper_limit is not None
    assert unscreened.upper_limit is not None
    assert screened.upper_limit < unscreened.upper_limit


def test_screening_changes_nothing_without_large_moving_ranges() -> None:
    values = [3.0, 7.0, 4.0, 9.0, 5.0, 6.0, 2.0, 8.0, 5.0, 4.0, 6.0, 7.0, 3.0, 5.0]

    assert xmr(values, screen_outliers=True) == xmr(values)


def test_screening_works_on_each_segment() -> None:
    first = [1, 2] * 7 + [20] + [1, 2] * 2  # 19 points with one astronomical jump
    second = [41, 42] * 8
    values = [*first, *second]

    screened = xmr(values, recalculate_at=[len(first)], screen_outliers=True)

    # Screened, the first segment's average moving range is that of the steady swings.
    mean, lower, _, _, _ = lines(screened.points[0])
    assert mean - lower == pytest.approx(2.66)
    mean, lower, _, _, _ = lines(screened.points[-1])
    assert mean - lower == pytest.approx(2.66)


# Recalculation ---------------------------------------------------------------------------------

LOW_LEVEL = [9.0, 11.0] * 8  # mean 10, every moving range 2
HIGH_LEVEL = [29.0, 31.0] * 8  # mean 30, every moving range 2


def test_each_segment_has_its_own_mean_and_limits() -> None:
    result = xmr([*LOW_LEVEL, *HIGH_LEVEL], recalculate_at=[16])

    first, second = lines(result.points[15]), lines(result.points[16])
    assert first == pytest.approx((10, 10 - 5.32, 10 + 5.32, 10 - 2 / 3 * 5.32, 10 + 2 / 3 * 5.32))
    assert second == pytest.approx((30, 30 - 5.32, 30 + 5.32, 30 - 2 / 3 * 5.32, 30 + 2 / 3 * 5.32))
    assert all(lines(point) == first for point in result.points[:16])
    assert all(lines(point) == second for point in result.points[16:])
    assert flagged(result) == []


def test_without_recalculation_a_change_of_level_is_a_shift() -> None:
    result = xmr([*LOW_LEVEL, *HIGH_LEVEL], improvement_direction=INCREASE)

    assert flagged(result) == list(range(32))
    assert result.points[0].type is PointType.CONCERN
    assert result.points[-1].type is PointType.IMPROVEMENT


def test_the_moving_range_across_a_recalculation_is_not_used() -> None:
    # Were the jump from 11 to 29 counted, the second segment's limits would be far wider.
    result = xmr([*LOW_LEVEL, *HIGH_LEVEL], recalculate_at=[16])

    mean, lower, _, _, _ = lines(result.points[16])
    assert mean - lower == pytest.approx(2.66 * 2)


def test_a_shift_may_run_across_a_recalculation() -> None:
    # The last three points of the first segment sit above its mean and the first three of
    # the second above its own: six in a row, as the Making Data Count tool counts them.
    first = [1.0, -1.0] * 6 + [1.0, 1.5, 1.0]
    second = [11.0, 11.5, 11.0] + [9.0, 11.0] * 6
    values = [*first, *second]

    result = xmr(values, recalculate_at=[len(first)], run_length=6)

    assert flagged(result) == list(range(12, 18))
    assert set(rules_at(result).values()) == {(SpcRule.SHIFT,)}
    assert flagged(xmr(values, recalculate_at=[len(first)], run_length=7)) == []


def test_a_trend_may_run_across_a_recalculation() -> None:
    first = [-5.0, 5.0] * 6 + [-3.0, -2.0, -1.0]
    second = [1.0, 2.0, 3.0] + [-5.0, 5.0] * 6
    values = [*first, *second]

    result = xmr(values, recalculate_at=[len(first)], run_length=6)

    assert rules_at(result) == dict.fromkeys(range(12, 18), (SpcRule.TREND,))


def test_each_point_is_judged_against_its_own_segment() -> None:
    # 12 is within the low segment's limits of 10 +- 5.32 but far below the high segment's.
    values = [*LOW_LEVEL, *HIGH_LEVEL[:-1], 12.0]

    result = xmr(values, recalculate_at=[16], improvement_direction=INCREASE)

    assert 31 in flagged(result)
    assert SpcRule.OUTSIDE_LIMITS in result.points[31].rules
    assert result.points[31].type is PointType.CONCERN


def test_several_recalculations_in_any_order_with_duplicates() -> None:
    values = [*LOW_LEVEL, *HIGH_LEVEL, *LOW_LEVEL]

    result = xmr(values, recalculate_at=[32, 16, 32])

    assert [lines(result.points[index])[0] for index in (0, 16, 32)] == [10, 30, 10]
    assert flagged(result) == []


def test_a_recalculation_at_index_0_changes_nothing() -> None:
    assert xmr(WORKED, recalculate_at=[0]) == xmr(WORKED)


@pytest.mark.parametrize("index", [-1, 18, 100])
def test_a_recalculation_outside_the_series_is_rejected(index: int) -> None:
    with pytest.raises(ValueError, match="outside the series"):
        xmr(WORKED, recalculate_at=[index])


@pytest.mark.parametrize("recalculate_at", [[17], [5, 6]])
def test_a_segment_of_one_point_is_rejected(recalculate_at: list[int]) -> None:
    with pytest.raises(ValueError, match="at least 2 points"):
        xmr(WORKED, recalculate_at=recalculate_at)


# Baseline --------------------------------------------------------------------------------------


def test_a_baseline_fixes_the_lines_from_its_first_points() -> None:
    values = [*LOW_LEVEL, *HIGH_LEVEL]

    result = xmr(values, baseline=16, improvement_direction=INCREASE)

    expected = (10, 10 - 5.32, 10 + 5.32, 10 - 2 / 3 * 5.32, 10 + 2 / 3 * 5.32)
    assert all(lines(point) == pytest.approx(expected) for point in result.points)
    # The later, higher level is judged against the baseline: all above its upper limit, and
    # with the baseline's last point (11, above its mean) a shift.
    assert flagged(result) == list(range(15, 32))
    assert rules_at(result)[15] == (SpcRule.SHIFT,)
    assert all(SpcRule.OUTSIDE_LIMITS in result.points[index].rules for index in range(16, 32))


def test_a_baseline_uses_only_the_moving_ranges_within_it() -> None:
    result = xmr([*LOW_LEVEL, *HIGH_LEVEL], baseline=16)

    mean, lower, _, _, _ = lines(result.points[0])
    assert mean - lower == pytest.approx(5.32)


def test_a_baseline_wins_over_recalculation() -> None:
    values = [*LOW_LEVEL, *HIGH_LEVEL]

    assert xmr(values, baseline=16, recalculate_at=[16]) == xmr(values, baseline=16)


def test_a_baseline_ignores_recalculation_points_it_would_reject() -> None:
    assert xmr(WORKED, baseline=10, recalculate_at=[99]) == xmr(WORKED, baseline=10)


def test_a_baseline_as_long_as_the_series_changes_nothing() -> None:
    assert xmr(WORKED, baseline=len(WORKED)) == xmr(WORKED)


def test_a_baseline_longer_than_the_series_uses_the_whole_series() -> None:
    assert xmr(WORKED, baseline=100) == xmr(WORKED)


def test_a_screened_baseline() -> None:
    result = xmr(WORKED, baseline=14, screen_outliers=True)

    mean, lower, _, _, _ = lines(result.points[0])
    assert mean == pytest.approx(sum(WORKED[:14]) / 14)
    assert mean - lower == pytest.approx(2.66)


@pytest.mark.parametrize("baseline", [-1, 0, 1])
def test_a_baseline_shorter_than_two_points_is_rejected(baseline: int) -> None:
    with pytest.raises(ValueError, match="baseline"):
        xmr(WORKED, baseline=baseline)


# Invalid input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("run_length", [0, 5, 8, 13])
def test_a_run_length_other_than_6_or_7_is_rejected(run_length: int) -> None:
    with pytest.raises(ValueError, match="run_length"):
        xmr(WORKED, run_length=run_length)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_a_value_that_is_not_finite_is_rejected(bad: Decimal | float) -> None:
    with pytest.raises(ValueError, match="finite"):
        xmr([*WORKED, bad])


def test_a_target_that_is_not_finite_is_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        xmr(WORKED, improvement_direction=INCREASE, target=float("nan"))


def test_an_unknown_direction_is_rejected() -> None:
    with pytest.raises(ValueError, match="sideways"):
        xmr(WORKED, improvement_direction="sideways")  # type: ignore[arg-type]


# Properties ------------------------------------------------------------------------------------

series = st.lists(st.integers(min_value=-12, max_value=12), max_size=40)


def reference_rules(result: SpcResult, *, run_length: int) -> list[set[SpcRule]]:
    """The rules each point breaks, checked window by window straight from their definitions."""
    points = result.points
    values = [point.value for point in points]
    sides = []
    beyond = []
    for point in points:
        mean, lower, upper, lower_near, upper_near = lines(point)
        side = (point.value > mean) - (point.value < mean)
        sides.append(side)
        # Between the near-limit line and the process limit: a point beyond the limit is
        # special cause by itself and does not count.
        beyond.append(
            (side > 0 and upper_near < point.value <= upper)
            or (side < 0 and lower <= point.value < lower_near)
        )

    found: list[set[SpcRule]] = [set() for _ in points]
    for index, point in enumerate(points):
        _, lower, upper, _, _ = lines(point)
        if not lower <= point.value <= upper:
            found[index].add(SpcRule.OUTSIDE_LIMITS)
    for start in range(len(points) - run_length + 1):
        window = range(start, start + run_length)
        if sides[start] != 0 and all(sides[index] == sides[start] for index in window):
            for index in window:
                found[index].add(SpcRule.SHIFT)
        pairs = [(values[index], values[index + 1]) for index in window[:-1]]
        if all(a < b for a, b in pairs) or all(a > b for a, b in pairs):
            for index in window:
                found[index].add(SpcRule.TREND)
    for start in range(len(points) - 2):
        window = range(start, start + 3)
        same_side = sides[start] != 0 and all(sides[index] == sides[start] for index in window)
        if same_side and sum(beyond[index] for index in window) >= 2:
            for index in window:
                if beyond[index]:
                    found[index].add(SpcRule.TWO_OF_THREE)
    return found


@given(
    values=st.lists(st.integers(min_value=-12, max_value=12), min_size=MIN_POINTS, max_size=40),
    run_length=st.sampled_from([6, 7]),
    screen_outliers=st.booleans(),
    cut=st.integers(min_value=0, max_value=40),
    cut_is_baseline=st.booleans(),
)
def test_the_rules_match_their_definitions(
    values: list[int], run_length: int, screen_outliers: bool, cut: int, cut_is_baseline: bool
) -> None:
    # The cut is a baseline, or a recalculation when it leaves two points on each side.
    baseline = cut if cut_is_baseline and cut >= 2 else None
    recalculate_at = [cut] if not cut_is_baseline and 2 <= cut <= len(values) - 2 else []

    result = xmr(
        values,
        run_length=run_length,
        screen_outliers=screen_outliers,
        recalculate_at=recalculate_at,
        baseline=baseline,
    )

    expected = reference_rules(result, run_length=run_length)
    assert [set(point.rules) for point in result.points] == expected
    assert [point.special_cause for point in result.points] == [bool(rules) for rules in expected]


@given(values=series, run_length=st.sampled_from([6, 7]), screen_outliers=st.booleans())
def test_a_mirrored_series_with_the_opposite_direction_has_the_same_types(
    values: list[int], run_length: int, screen_outliers: bool
) -> None:
    upright = xmr(
        values,
        improvement_direction=INCREASE,
        run_length=run_length,
        screen_outliers=screen_outliers,
    )
    mirrored = xmr(
        [-value for value in values],
        improvement_direction=DECREASE,
        run_length=run_length,
        screen_outliers=screen_outliers,
    )

    assert [point.type for point in upright.points] == [point.type for point in mirrored.points]
    assert [point.rules for point in upright.points] == [point.rules for point in mirrored.points]


@given(values=series)
def test_every_special_cause_point_has_a_direction_type_and_no_other(values: list[int]) -> None:
    for direction, allowed in (
        (INCREASE, {PointType.IMPROVEMENT, PointType.CONCERN}),
        (DECREASE, {PointType.IMPROVEMENT, PointType.CONCERN}),
        (NEUTRAL, {PointType.NEUTRAL}),
    ):
        for point in xmr(values, improvement_direction=direction).points:
            if point.special_cause:
                assert point.type in allowed
                assert point.rules
            else:
                assert point.type is PointType.COMMON_CAUSE
                assert point.rules == ()
