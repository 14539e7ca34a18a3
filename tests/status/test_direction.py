"""Direction of travel and is_better: Direction of travel (README, "The rules"), every outcome."""

from decimal import Decimal

import pytest

from app.measures.rules import direction_of_travel, is_better
from app.measures.vocabulary import Direction, Polarity, Target

HIGHER = Polarity.HIGHER_IS_BETTER
LOWER = Polarity.LOWER_IS_BETTER
RANGE = Polarity.WITHIN_RANGE
NONE = Polarity.NONE
BAND = Target(lower=Decimal(40), upper=Decimal(60))


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@pytest.mark.parametrize(
    ("polarity", "target", "a", "b", "expected"),
    [
        pytest.param(HIGHER, None, "2", "1", True, id="higher_larger_is_better"),
        pytest.param(HIGHER, None, "1", "2", False, id="higher_smaller_is_not"),
        pytest.param(HIGHER, None, "1", "1.00", False, id="higher_equal_is_not_strictly"),
        pytest.param(HIGHER, Target(value=Decimal(5)), "2", "1", True, id="higher_point_ignored"),
        pytest.param(LOWER, None, "53.1", "53.6", True, id="lower_smaller_is_better"),
        pytest.param(LOWER, None, "53.6", "53.1", False, id="lower_larger_is_not"),
        pytest.param(LOWER, None, "-1", "-1", False, id="lower_equal_is_not_strictly"),
        pytest.param(RANGE, BAND, "38", "35", True, id="range_closer_below"),
        pytest.param(RANGE, BAND, "62", "65", True, id="range_closer_above"),
        pytest.param(RANGE, BAND, "50", "61", True, id="range_inside_beats_outside"),
        pytest.param(RANGE, BAND, "61", "50", False, id="range_outside_loses_to_inside"),
        pytest.param(RANGE, BAND, "45", "55", False, id="range_both_inside_equal"),
        pytest.param(RANGE, BAND, "37", "63", False, id="range_as_far_other_side"),
        pytest.param(RANGE, BAND, "62", "37", True, id="range_closer_other_side"),
        pytest.param(RANGE, Target(lower=Decimal(40)), "1000", "39", True, id="range_open_above"),
        pytest.param(RANGE, Target(upper=Decimal(60)), "-1000", "61", True, id="range_open_below"),
        pytest.param(RANGE, None, "50", "60", None, id="range_without_band_cannot_say"),
        pytest.param(RANGE, Target(), "50", "60", None, id="range_empty_target_cannot_say"),
        pytest.param(NONE, None, "2", "1", None, id="polarity_none_cannot_say"),
        pytest.param(NONE, BAND, "50", "70", None, id="polarity_none_ignores_target"),
    ],
)
def test_is_better(
    polarity: Polarity, target: Target | None, a: str, b: str, expected: bool | None
) -> None:
    assert is_better(a=Decimal(a), b=Decimal(b), polarity=polarity, target=target) is expected


MISFITS = [
    pytest.param(HIGHER, BAND, id="band_on_higher"),
    pytest.param(LOWER, Target(upper=Decimal(1)), id="band_on_lower"),
    pytest.param(RANGE, Target(value=Decimal(50)), id="point_on_range"),
]


@pytest.mark.parametrize(("polarity", "target"), MISFITS)
def test_is_better_rejects_a_target_that_does_not_fit(polarity: Polarity, target: Target) -> None:
    with pytest.raises(ValueError, match="needs a"):
        is_better(a=Decimal(1), b=Decimal(2), polarity=polarity, target=target)


IMPROVING = Direction.IMPROVING
WORSENING = Direction.WORSENING
NO_CHANGE = Direction.NO_CHANGE
INCREASING = Direction.INCREASING
DECREASING = Direction.DECREASING
NOT_AVAILABLE = Direction.NOT_AVAILABLE


@pytest.mark.parametrize(
    ("polarity", "target", "previous", "current", "expected"),
    [
        # nothing to compare with
        pytest.param(HIGHER, None, None, "5", NOT_AVAILABLE, id="no_previous"),
        pytest.param(LOWER, None, "5", None, NOT_AVAILABLE, id="no_current"),
        pytest.param(RANGE, BAND, None, None, NOT_AVAILABLE, id="neither"),
        pytest.param(NONE, None, None, "5", NOT_AVAILABLE, id="polarity_none_no_previous"),
        # equal values, whatever the polarity
        pytest.param(HIGHER, None, "5", "5", NO_CHANGE, id="higher_equal"),
        pytest.param(LOWER, None, "5", "5", NO_CHANGE, id="lower_equal"),
        pytest.param(RANGE, BAND, "70", "70", NO_CHANGE, id="range_equal_outside"),
        pytest.param(RANGE, None, "70", "70", NO_CHANGE, id="range_without_band_equal"),
        pytest.param(NONE, None, "5", "5", NO_CHANGE, id="polarity_none_equal"),
        pytest.param(HIGHER, None, "1.0", "1.00", NO_CHANGE, id="equal_at_other_places"),
        pytest.param(HIGHER, None, "0", "-0", NO_CHANGE, id="zero_and_negative_zero"),
        # higher is better
        pytest.param(HIGHER, None, "78", "81", IMPROVING, id="higher_up_improving"),
        pytest.param(HIGHER, None, "81", "78", WORSENING, id="higher_down_worsening"),
        pytest.param(HIGHER, None, "-2", "-1", IMPROVING, id="higher_negative_up"),
        # lower is better (lower is better: 53.6 then 53.1 is improving)
        pytest.param(LOWER, None, "53.6", "53.1", IMPROVING, id="lower_domain_example"),
        pytest.param(LOWER, None, "53.1", "53.6", WORSENING, id="lower_up_worsening"),
        # polarity none: movement only
        pytest.param(NONE, None, "10", "12", INCREASING, id="none_up_increasing"),
        pytest.param(NONE, None, "12", "10", DECREASING, id="none_down_decreasing"),
        pytest.param(NONE, BAND, "50", "70", INCREASING, id="none_ignores_a_band"),
        # within range, with the band
        pytest.param(RANGE, BAND, "30", "35", IMPROVING, id="range_towards_band_below"),
        pytest.param(RANGE, BAND, "70", "65", IMPROVING, id="range_towards_band_above"),
        pytest.param(RANGE, BAND, "35", "30", WORSENING, id="range_away_below"),
        pytest.param(RANGE, BAND, "65", "70", WORSENING, id="range_away_above"),
        pytest.param(RANGE, BAND, "70", "50", IMPROVING, id="range_into_band"),
        pytest.param(RANGE, BAND, "50", "61", WORSENING, id="range_out_of_band"),
        pytest.param(RANGE, BAND, "45", "55", NO_CHANGE, id="range_both_inside"),
        pytest.param(RANGE, BAND, "40", "60", NO_CHANGE, id="range_bound_to_bound"),
        pytest.param(RANGE, BAND, "37", "63", NO_CHANGE, id="range_as_far_other_side"),
        pytest.param(RANGE, BAND, "30", "61", IMPROVING, id="range_across_and_closer"),
        pytest.param(RANGE, BAND, "61", "30", WORSENING, id="range_across_and_further"),
        pytest.param(
            RANGE, Target(lower=Decimal(40)), "39", "1000", IMPROVING, id="range_open_above"
        ),
        pytest.param(
            RANGE, Target(upper=Decimal(60)), "-5", "61", WORSENING, id="range_open_below"
        ),
        # within range without a band: movement only
        pytest.param(RANGE, None, "50", "60", INCREASING, id="range_no_band_up"),
        pytest.param(RANGE, Target(), "60", "50", DECREASING, id="range_empty_target_down"),
    ],
)
def test_direction_of_travel(
    polarity: Polarity,
    target: Target | None,
    previous: str | None,
    current: str | None,
    expected: Direction,
) -> None:
    direction = direction_of_travel(
        current=_d(current), previous=_d(previous), polarity=polarity, target=target
    )
    assert direction is expected


def test_direction_with_a_point_target_ignores_it() -> None:
    # The target says nothing about which way is better for a point polarity.
    direction = direction_of_travel(
        current=Decimal(90),
        previous=Decimal(85),
        polarity=HIGHER,
        target=Target(value=Decimal(80)),
    )
    assert direction is IMPROVING


@pytest.mark.parametrize(
    "current", [pytest.param("5", id="with_values"), pytest.param(None, id="missing")]
)
@pytest.mark.parametrize(("polarity", "target"), MISFITS)
def test_direction_rejects_a_target_that_does_not_fit(
    polarity: Polarity, target: Target, current: str | None
) -> None:
    with pytest.raises(ValueError, match="needs a"):
        direction_of_travel(
            current=_d(current), previous=Decimal(1), polarity=polarity, target=target
        )


@pytest.mark.parametrize(
    ("current", "previous"),
    [
        pytest.param("NaN", "1", id="nan_current"),
        pytest.param("1", "Infinity", id="infinite_previous"),
    ],
)
def test_direction_rejects_non_finite_values(current: str, previous: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        direction_of_travel(current=_d(current), previous=_d(previous), polarity=HIGHER)


def test_is_better_rejects_a_float() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        is_better(a=1.5, b=Decimal(1), polarity=HIGHER)  # type: ignore[arg-type]
