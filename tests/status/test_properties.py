"""Properties the RAG, direction and aggregation rules must keep for any values."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.measures.aggregation import Observation, aggregate, aggregate_targets
from app.measures.rules import RagResult, direction_of_travel, evaluate_rag, is_better
from app.measures.vocabulary import (
    Aggregation,
    Direction,
    Polarity,
    Rag,
    Target,
    Tolerance,
    ToleranceUnit,
)

# Modest counts keep the whole tests/rag run to about a second.
SETTINGS = settings(max_examples=100, deadline=None)

NUMBERS = st.decimals(
    min_value=Decimal(-10_000), max_value=Decimal(10_000), places=2, allow_nan=False
)
SMALL = st.decimals(min_value=Decimal(0), max_value=Decimal(50), places=2, allow_nan=False)
POINT_POLARITIES = st.sampled_from([Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER])
SEVERITY = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}
SWAPPED = {
    Direction.IMPROVING: Direction.WORSENING,
    Direction.WORSENING: Direction.IMPROVING,
    Direction.INCREASING: Direction.DECREASING,
    Direction.DECREASING: Direction.INCREASING,
    Direction.NO_CHANGE: Direction.NO_CHANGE,
    Direction.NOT_AVAILABLE: Direction.NOT_AVAILABLE,
}


@st.composite
def tolerances(draw: st.DrawFn, *, unit: ToleranceUnit | None = None) -> Tolerance:
    green, amber = sorted([draw(SMALL), draw(SMALL)])
    chosen = unit if unit is not None else draw(st.sampled_from(ToleranceUnit))
    return Tolerance(unit=chosen, green_within=green, amber_within=amber)


@st.composite
def points(draw: st.DrawFn) -> Target:
    return Target(value=draw(NUMBERS), floor=draw(st.none() | NUMBERS))


@st.composite
def bands(draw: st.DrawFn) -> Target:
    """A band with at least one bound, so there is always something to rate against."""
    low, high = sorted([draw(NUMBERS), draw(NUMBERS)])
    open_side = draw(st.sampled_from(["none", "lower", "upper"]))
    return Target(
        lower=None if open_side == "lower" else low,
        upper=None if open_side == "upper" else high,
    )


def _rate(
    actual: Decimal,
    *,
    target: Target,
    polarity: Polarity,
    tolerance: Tolerance,
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> RagResult:
    return evaluate_rag(
        actual=actual,
        target=target,
        polarity=polarity,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=last_year,
    )


def _assert_better_is_never_worse(
    a: Decimal,
    b: Decimal,
    *,
    target: Target,
    polarity: Polarity,
    tolerance: Tolerance,
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> None:
    if is_better(a=b, b=a, polarity=polarity, target=target):
        a, b = b, a
    rated = [
        _rate(
            value,
            target=target,
            polarity=polarity,
            tolerance=tolerance,
            amber_if_improving=amber_if_improving,
            last_year=last_year,
        ).rag
        for value in (a, b)
    ]
    assert SEVERITY[rated[0]] <= SEVERITY[rated[1]]


@SETTINGS
@given(
    polarity=POINT_POLARITIES,
    target=points(),
    tolerance=tolerances(),
    a=NUMBERS,
    b=NUMBERS,
    amber_if_improving=st.booleans(),
    last_year=st.none() | NUMBERS,
)
def test_a_better_actual_never_gets_a_worse_status(
    polarity: Polarity,
    target: Target,
    tolerance: Tolerance,
    a: Decimal,
    b: Decimal,
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> None:
    _assert_better_is_never_worse(
        a,
        b,
        target=target,
        polarity=polarity,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=last_year,
    )


@SETTINGS
@given(
    target=bands(),
    tolerance=tolerances(unit=ToleranceUnit.ABSOLUTE),
    a=NUMBERS,
    b=NUMBERS,
    amber_if_improving=st.booleans(),
    last_year=st.none() | NUMBERS,
)
def test_closer_to_the_band_never_gets_a_worse_status_absolute(
    target: Target,
    tolerance: Tolerance,
    a: Decimal,
    b: Decimal,
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> None:
    _assert_better_is_never_worse(
        a,
        b,
        target=target,
        polarity=Polarity.WITHIN_RANGE,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=last_year,
    )


@SETTINGS
@given(
    target=bands(),
    tolerance=tolerances(unit=ToleranceUnit.PERCENT),
    above=st.booleans(),
    distances=st.tuples(SMALL, SMALL),
    amber_if_improving=st.booleans(),
    last_year=st.none() | NUMBERS,
)
def test_closer_to_the_band_never_gets_a_worse_status_percent_same_side(
    target: Target,
    tolerance: Tolerance,
    above: bool,
    distances: tuple[Decimal, Decimal],
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> None:
    # A percentage is of the bound crossed, so one side is compared at a time: the same distance
    # can be a larger percentage of a smaller bound (the RAG rule: thresholds are inclusive).
    if target.upper is None or (target.lower is not None and not above):
        assert target.lower is not None
        a, b = (target.lower - distance for distance in distances)
    else:
        a, b = (target.upper + distance for distance in distances)
    _assert_better_is_never_worse(
        a,
        b,
        target=target,
        polarity=Polarity.WITHIN_RANGE,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=last_year,
    )


@SETTINGS
@given(
    value=NUMBERS,
    floor=st.none() | NUMBERS,
    actual=NUMBERS,
    tolerance=tolerances(),
    amber_if_improving=st.booleans(),
    last_year=st.none() | NUMBERS,
)
def test_swapping_polarity_mirrors_the_result(
    value: Decimal,
    floor: Decimal | None,
    actual: Decimal,
    tolerance: Tolerance,
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> None:
    higher = _rate(
        actual,
        target=Target(value=value, floor=floor),
        polarity=Polarity.HIGHER_IS_BETTER,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=last_year,
    )
    lower = _rate(
        -actual,
        target=Target(value=-value, floor=None if floor is None else -floor),
        polarity=Polarity.LOWER_IS_BETTER,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=None if last_year is None else -last_year,
    )
    assert lower == higher


@SETTINGS
@given(
    band=bands(),
    actual=NUMBERS,
    tolerance=tolerances(),
    amber_if_improving=st.booleans(),
    last_year=st.none() | NUMBERS,
)
def test_reflecting_a_band_mirrors_the_result(
    band: Target,
    actual: Decimal,
    tolerance: Tolerance,
    amber_if_improving: bool,
    last_year: Decimal | None,
) -> None:
    reflected = Target(
        lower=None if band.upper is None else -band.upper,
        upper=None if band.lower is None else -band.lower,
    )
    original = _rate(
        actual,
        target=band,
        polarity=Polarity.WITHIN_RANGE,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=last_year,
    )
    mirrored = _rate(
        -actual,
        target=reflected,
        polarity=Polarity.WITHIN_RANGE,
        tolerance=tolerance,
        amber_if_improving=amber_if_improving,
        last_year=None if last_year is None else -last_year,
    )
    assert mirrored == original


@SETTINGS
@given(
    actual=NUMBERS,
    below=st.none() | SMALL,
    above=st.none() | SMALL,
    tolerance=tolerances(),
)
def test_shortfall_is_zero_inside_a_band(
    actual: Decimal, below: Decimal | None, above: Decimal | None, tolerance: Tolerance
) -> None:
    if below is None and above is None:
        below = Decimal(0)
    band = Target(
        lower=None if below is None else actual - below,
        upper=None if above is None else actual + above,
    )
    result = evaluate_rag(
        actual=actual, target=band, polarity=Polarity.WITHIN_RANGE, tolerance=tolerance
    )
    assert result == RagResult(rag=Rag.GREEN, shortfall=Decimal(0), shortfall_pct=Decimal(0))


@SETTINGS
@given(
    polarity=POINT_POLARITIES,
    value=NUMBERS.filter(lambda number: number != 0),
    actual=NUMBERS,
    tolerance=tolerances(unit=ToleranceUnit.PERCENT),
)
def test_percent_status_agrees_with_the_reported_percentage(
    polarity: Polarity, value: Decimal, actual: Decimal, tolerance: Tolerance
) -> None:
    result = evaluate_rag(
        actual=actual, target=Target(value=value), polarity=polarity, tolerance=tolerance
    )
    assert result.shortfall_pct is not None
    if result.shortfall_pct <= tolerance.green_within:
        assert result.rag is Rag.GREEN
    elif result.shortfall_pct <= tolerance.amber_within:
        assert result.rag is Rag.AMBER
    else:
        assert result.rag is Rag.RED


@st.composite
def polarity_and_target(draw: st.DrawFn) -> tuple[Polarity, Target | None]:
    polarity = draw(st.sampled_from(Polarity))
    if polarity is Polarity.WITHIN_RANGE:
        return polarity, draw(st.none() | bands())
    return polarity, draw(st.none() | points())


@SETTINGS
@given(
    setup=polarity_and_target(),
    current=st.none() | NUMBERS,
    previous=st.none() | NUMBERS,
)
def test_direction_is_antisymmetric(
    setup: tuple[Polarity, Target | None], current: Decimal | None, previous: Decimal | None
) -> None:
    polarity, target = setup
    forward = direction_of_travel(
        current=current, previous=previous, polarity=polarity, target=target
    )
    backward = direction_of_travel(
        current=previous, previous=current, polarity=polarity, target=target
    )
    assert backward is SWAPPED[forward]


@SETTINGS
@given(
    setup=polarity_and_target(),
    current=NUMBERS,
    previous=NUMBERS,
)
def test_direction_speaks_of_improvement_only_with_a_sense_of_good(
    setup: tuple[Polarity, Target | None], current: Decimal, previous: Decimal
) -> None:
    polarity, target = setup
    direction = direction_of_travel(
        current=current, previous=previous, polarity=polarity, target=target
    )
    judged = is_better(a=current, b=previous, polarity=polarity, target=target)
    if judged is None:
        assert direction in {Direction.INCREASING, Direction.DECREASING, Direction.NO_CHANGE}
    else:
        assert direction in {Direction.IMPROVING, Direction.WORSENING, Direction.NO_CHANGE}
        assert (direction is Direction.IMPROVING) is judged


@SETTINGS
@given(values=st.lists(NUMBERS, min_size=1, max_size=12))
def test_mean_lies_between_min_and_max(values: list[Decimal]) -> None:
    observations = [Observation(value=value) for value in values]
    mean = aggregate(observations, Aggregation.MEAN)
    assert mean is not None
    assert min(values) <= mean <= max(values)
    assert aggregate(observations, Aggregation.LATEST) == values[-1]


@SETTINGS
@given(
    targets=st.lists(NUMBERS, min_size=1, max_size=12),
    weight=SMALL.filter(lambda number: number != 0),
)
def test_equal_weights_give_the_plain_mean(targets: list[Decimal], weight: Decimal) -> None:
    weighted = aggregate_targets(targets, Aggregation.RATIO, weights=[weight] * len(targets))
    assert weighted == aggregate_targets(targets, Aggregation.MEAN)
