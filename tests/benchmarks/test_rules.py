"""The quartile rule: polarity-aware, boundaries counted on the better side."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.benchmarks.rules import (
    QUARTILE_OF,
    QuartilePosition,
    Quartiles,
    quartile_position,
    quartiles_of,
)
from app.measures.vocabulary import Polarity

TOP = QuartilePosition.TOP_QUARTILE
UPPER = QuartilePosition.UPPER_MIDDLE
LOWER = QuartilePosition.LOWER_MIDDLE
BOTTOM = QuartilePosition.BOTTOM_QUARTILE

# Comparators: lower quartile 40, median 50, upper quartile 60.
Q = Quartiles(lower=Decimal(40), median=Decimal(50), upper=Decimal(60))


def position(value: str, polarity: Polarity, quartiles: Quartiles = Q) -> QuartilePosition | None:
    return quartile_position(value=Decimal(value), quartiles=quartiles, polarity=polarity)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1000", TOP),
        ("60.01", TOP),
        ("60", TOP),  # on the upper quartile: reached it
        ("59.99", UPPER),
        ("50.01", UPPER),
        ("50", UPPER),  # on the median: in the better half
        ("49.99", LOWER),
        ("40.01", LOWER),
        ("40", LOWER),  # on the lower quartile: not in the bottom quarter
        ("39.99", BOTTOM),
        ("-5", BOTTOM),
    ],
)
def test_higher_is_better_boundaries(value: str, expected: QuartilePosition) -> None:
    assert position(value, Polarity.HIGHER_IS_BETTER) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-5", TOP),
        ("39.99", TOP),
        ("40", TOP),  # on the lower quartile: the best quarter when lower is better
        ("40.01", UPPER),
        ("49.99", UPPER),
        ("50", UPPER),
        ("50.01", LOWER),
        ("59.99", LOWER),
        ("60", LOWER),
        ("60.01", BOTTOM),
        ("1000", BOTTOM),
    ],
)
def test_lower_is_better_boundaries(value: str, expected: QuartilePosition) -> None:
    assert position(value, Polarity.LOWER_IS_BETTER) is expected


@pytest.mark.parametrize("polarity", [Polarity.NONE, Polarity.WITHIN_RANGE])
@pytest.mark.parametrize("value", ["-5", "40", "50", "60", "1000"])
def test_no_position_without_a_better_end(polarity: Polarity, value: str) -> None:
    assert position(value, polarity) is None


@pytest.mark.parametrize("polarity", list(Polarity))
def test_no_position_without_a_value_or_quartiles(polarity: Polarity) -> None:
    assert quartile_position(value=None, quartiles=Q, polarity=polarity) is None
    assert quartile_position(value=Decimal(50), quartiles=None, polarity=polarity) is None


def test_all_three_quartiles_are_needed() -> None:
    d = Decimal
    assert quartiles_of(lower=d(1), median=d(2), upper=d(3)) == Quartiles(d(1), d(2), d(3))
    assert quartiles_of(lower=None, median=d(2), upper=d(3)) is None
    assert quartiles_of(lower=d(1), median=None, upper=d(3)) is None
    assert quartiles_of(lower=d(1), median=d(2), upper=None) is None


def test_equal_quartiles_put_a_match_in_the_top_quarter() -> None:
    flat = Quartiles(lower=Decimal(50), median=Decimal(50), upper=Decimal(50))
    assert position("50", Polarity.HIGHER_IS_BETTER, flat) is TOP
    assert position("49.9", Polarity.HIGHER_IS_BETTER, flat) is BOTTOM
    assert position("50", Polarity.LOWER_IS_BETTER, flat) is TOP
    assert position("50.1", Polarity.LOWER_IS_BETTER, flat) is BOTTOM


def test_quartile_numbers_run_from_the_best_quarter() -> None:
    assert [QUARTILE_OF[p] for p in (TOP, UPPER, LOWER, BOTTOM)] == [1, 2, 3, 4]


def test_bad_numbers_fail_loudly() -> None:
    with pytest.raises(ValueError, match="lower <= median <= upper"):
        Quartiles(lower=Decimal(60), median=Decimal(50), upper=Decimal(40))
    with pytest.raises(TypeError):
        Quartiles(lower=40.0, median=Decimal(50), upper=Decimal(60))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        Quartiles(lower=Decimal("NaN"), median=Decimal(50), upper=Decimal(60))
    with pytest.raises(TypeError):
        quartile_position(value=50.0, quartiles=Q, polarity=Polarity.HIGHER_IS_BETTER)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        quartile_position(value=Decimal("Infinity"), quartiles=Q, polarity=Polarity.NONE)


numbers = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)


@given(value=numbers, better=numbers, cuts=st.lists(numbers, min_size=3, max_size=3))
def test_a_better_figure_never_sits_in_a_worse_quarter(
    value: Decimal, better: Decimal, cuts: list[Decimal]
) -> None:
    lower, median, upper = sorted(cuts)
    quartiles = Quartiles(lower=lower, median=median, upper=upper)
    high, low = max(value, better), min(value, better)
    for polarity, good, bad in (
        (Polarity.HIGHER_IS_BETTER, high, low),
        (Polarity.LOWER_IS_BETTER, low, high),
    ):
        good_at = quartile_position(value=good, quartiles=quartiles, polarity=polarity)
        bad_at = quartile_position(value=bad, quartiles=quartiles, polarity=polarity)
        assert good_at is not None
        assert bad_at is not None
        assert QUARTILE_OF[good_at] <= QUARTILE_OF[bad_at]


@given(value=numbers, cuts=st.lists(numbers, min_size=3, max_size=3))
def test_lower_is_better_mirrors_higher_is_better(value: Decimal, cuts: list[Decimal]) -> None:
    lower, median, upper = sorted(cuts)
    higher = quartile_position(
        value=value,
        quartiles=Quartiles(lower=lower, median=median, upper=upper),
        polarity=Polarity.HIGHER_IS_BETTER,
    )
    mirrored = quartile_position(
        value=-value,
        quartiles=Quartiles(lower=-upper, median=-median, upper=-lower),
        polarity=Polarity.LOWER_IS_BETTER,
    )
    assert higher is mirrored
