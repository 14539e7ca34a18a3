"""The variation icon from the last point and the assurance icon from the target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.spc.engine import (
    AssuranceIcon,
    ImprovementDirection,
    PointType,
    SpcRule,
    VariationIcon,
    assurance_icon,
    xmr,
)

INCREASE = ImprovementDirection.INCREASE
DECREASE = ImprovementDirection.DECREASE
NEUTRAL = ImprovementDirection.NEUTRAL

PASS = AssuranceIcon.CONSISTENT_PASS
FAIL = AssuranceIcon.CONSISTENT_FAIL
HIT_AND_MISS = AssuranceIcon.HIT_AND_MISS

LOW_LEVEL = [9.0, 11.0] * 8  # mean 10, limits 10 +- 5.32
HIGH_LEVEL = [29.0, 31.0] * 8  # mean 30, limits 30 +- 5.32
STEADY = [2.0, -2.0] * 10


# Assurance, from the icon function -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper", "direction", "expected"),
    [
        (1, 3, INCREASE, FAIL),
        (5, 7, INCREASE, PASS),
        (1, 5, INCREASE, HIT_AND_MISS),
        (1, 3, DECREASE, PASS),
        (5, 7, DECREASE, FAIL),
        (1, 5, DECREASE, HIT_AND_MISS),
    ],
)
def test_assurance_for_a_target_of_4(
    lower: float, upper: float, direction: ImprovementDirection, expected: AssuranceIcon
) -> None:
    icon = assurance_icon(target=4, lower_limit=lower, upper_limit=upper, direction=direction)

    assert icon is expected


@pytest.mark.parametrize("direction", [INCREASE, DECREASE])
@pytest.mark.parametrize(("lower", "upper"), [(4, 7), (1, 4), (4, 4)])
def test_a_target_on_a_process_limit_is_hit_and_miss(
    lower: float, upper: float, direction: ImprovementDirection
) -> None:
    # NHSRplotthedots compares strictly (target > upl, target < lpl): on the limit, the
    # process's own variation still reaches the target from both sides.
    icon = assurance_icon(target=4, lower_limit=lower, upper_limit=upper, direction=direction)

    assert icon is HIT_AND_MISS


def test_a_target_just_past_a_limit_is_consistent() -> None:
    assert assurance_icon(target=4, lower_limit=4.000001, upper_limit=7, direction=INCREASE) is PASS
    assert assurance_icon(target=4, lower_limit=1, upper_limit=3.999999, direction=INCREASE) is FAIL


def test_a_decimal_target_is_compared_by_value() -> None:
    icon = assurance_icon(
        target=Decimal("4.5"), lower_limit=4.75, upper_limit=7, direction=INCREASE
    )

    assert icon is PASS


@pytest.mark.parametrize(
    ("target", "lower", "upper", "direction"),
    [
        (4, 1, 3, NEUTRAL),
        (None, 1, 3, INCREASE),
        (4, None, 3, INCREASE),
        (4, 1, None, DECREASE),
    ],
)
def test_no_assurance_without_a_direction_a_target_or_limits(
    target: float | None,
    lower: float | None,
    upper: float | None,
    direction: ImprovementDirection,
) -> None:
    icon = assurance_icon(target=target, lower_limit=lower, upper_limit=upper, direction=direction)

    assert icon is None


def test_assurance_accepts_a_plain_string_direction() -> None:
    icon = assurance_icon(target=4, lower_limit=5, upper_limit=7, direction="decrease")  # type: ignore[arg-type]

    assert icon is FAIL


# Assurance, from a chart -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "direction", "expected"),
    [
        (20, INCREASE, FAIL),
        (1, INCREASE, PASS),
        (10, INCREASE, HIT_AND_MISS),
        (20, DECREASE, PASS),
        (1, DECREASE, FAIL),
        (Decimal(10), DECREASE, HIT_AND_MISS),
        (20, NEUTRAL, None),
        (None, INCREASE, None),
    ],
)
def test_assurance_of_a_chart(
    target: Decimal | float | None,
    direction: ImprovementDirection,
    expected: AssuranceIcon | None,
) -> None:
    result = xmr(LOW_LEVEL, improvement_direction=direction, target=target)

    assert result.assurance_icon is expected


def test_assurance_uses_the_latest_segment() -> None:
    values = [*LOW_LEVEL, *HIGH_LEVEL]

    recalculated = xmr(values, improvement_direction=INCREASE, target=20, recalculate_at=[16])
    fixed = xmr(values, improvement_direction=INCREASE, target=20, baseline=16)

    # Above the first level's limits, below the second's.
    assert recalculated.assurance_icon is PASS
    assert fixed.assurance_icon is FAIL


def test_no_assurance_for_fewer_than_13_points() -> None:
    result = xmr(LOW_LEVEL[:12], improvement_direction=INCREASE, target=100)

    assert result.assurance_icon is None


# Variation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "direction", "expected"),
    [
        (30.0, INCREASE, VariationIcon.IMPROVEMENT_HIGH),
        (30.0, DECREASE, VariationIcon.CONCERN_HIGH),
        (30.0, NEUTRAL, VariationIcon.NEUTRAL_HIGH),
        (-30.0, INCREASE, VariationIcon.CONCERN_LOW),
        (-30.0, DECREASE, VariationIcon.IMPROVEMENT_LOW),
        (-30.0, NEUTRAL, VariationIcon.NEUTRAL_LOW),
    ],
)
def test_variation_from_a_last_point_outside_the_limits(
    last: float, direction: ImprovementDirection, expected: VariationIcon
) -> None:
    result = xmr([*STEADY, last], improvement_direction=direction)

    assert result.points[-1].rules == (SpcRule.OUTSIDE_LIMITS,)
    assert result.variation_icon is expected


@pytest.mark.parametrize("direction", list(ImprovementDirection))
def test_a_common_cause_last_point_gives_common_cause(direction: ImprovementDirection) -> None:
    # The astronomical point is earlier; only the last point counts.
    result = xmr([*STEADY, 30.0, *STEADY], improvement_direction=direction)

    assert result.points[20].special_cause
    assert not result.points[-1].special_cause
    assert result.variation_icon is VariationIcon.COMMON_CAUSE


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        (INCREASE, VariationIcon.IMPROVEMENT_HIGH),
        (DECREASE, VariationIcon.CONCERN_HIGH),
        (NEUTRAL, VariationIcon.NEUTRAL_HIGH),
    ],
)
def test_variation_from_a_closing_shift_above_the_mean(
    direction: ImprovementDirection, expected: VariationIcon
) -> None:
    values = [5, -5, 5, -5, 5, -5, 5, -5, 1, 2, 1, 2, 1, 2]

    result = xmr(values, improvement_direction=direction, run_length=6)

    assert result.points[-1].rules == (SpcRule.SHIFT,)
    assert result.variation_icon is expected


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        (INCREASE, VariationIcon.IMPROVEMENT_HIGH),
        (DECREASE, VariationIcon.CONCERN_HIGH),
        (NEUTRAL, VariationIcon.NEUTRAL_HIGH),
    ],
)
def test_variation_from_a_closing_rising_trend_across_the_mean(
    direction: ImprovementDirection, expected: VariationIcon
) -> None:
    values = [5, -5, 5, -5, 5, -5, 5, -3, -2, -1, 1, 2, 3]

    result = xmr(values, improvement_direction=direction, run_length=6)

    assert result.points[-1].rules == (SpcRule.TREND,)
    assert result.variation_icon is expected


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        # Both ways: the shift below the mean and the rising trend; improvement wins, and its
        # high or low follows the direction, as NHSRplotthedots' icons do.
        (INCREASE, VariationIcon.IMPROVEMENT_HIGH),
        (DECREASE, VariationIcon.IMPROVEMENT_LOW),
        # No improvement to prefer: the side of the mean decides.
        (NEUTRAL, VariationIcon.NEUTRAL_LOW),
    ],
)
def test_variation_from_a_last_point_flagged_both_ways(
    direction: ImprovementDirection, expected: VariationIcon
) -> None:
    values = [5, -5, 5, -5, 5, -5, 5, -5, 5, -4, -3.5, -3, -2.5, -2, -1.5]

    result = xmr(values, improvement_direction=direction, run_length=6)

    last = result.points[-1]
    assert last.mean is not None
    assert last.value < last.mean
    assert last.rules == (SpcRule.SHIFT, SpcRule.TREND)
    assert last.type is PointType.IMPROVEMENT or direction is NEUTRAL
    assert result.variation_icon is expected


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        (INCREASE, VariationIcon.CONCERN_LOW),
        (DECREASE, VariationIcon.IMPROVEMENT_LOW),
        (NEUTRAL, VariationIcon.NEUTRAL_LOW),
    ],
)
def test_variation_from_a_falling_trend_ending_on_the_mean(
    direction: ImprovementDirection, expected: VariationIcon
) -> None:
    # The -21 brings the mean to exactly 0, where the falling trend ends.
    values = [5, -5, 5, -5, 5, -5, 5, -5, 5, -5, 5, -5, -21, 8, 6, 4, 2, 1, 0]

    result = xmr(values, improvement_direction=direction, run_length=6)

    last = result.points[-1]
    assert (last.value, last.mean) == (0.0, 0.0)
    assert last.rules == (SpcRule.TREND,)
    assert result.variation_icon is expected


def test_no_variation_icon_for_fewer_than_13_points() -> None:
    result = xmr([*STEADY[:11], 100.0], improvement_direction=INCREASE)

    assert result.variation_icon is None
