"""Properties of like-for-like readings (app.measures.measure), over generated figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.measures.measure import ApprovedFigure, Frame, MeasureMath
from app.measures.rules import evaluate_rag
from app.measures.vocabulary import (
    Aggregation,
    Frequency,
    Polarity,
    Rag,
    Target,
    Tolerance,
    ToleranceUnit,
    ValueStatus,
    ValueType,
)
from app.periods import calendar
from app.periods.calendar import PeriodKind

TOLERANCE = Tolerance(unit=ToleranceUnit.PERCENT, green_within=Decimal(5), amber_within=Decimal(10))
MONTHS = list(calendar.units_of("2025-26", PeriodKind.MONTH))
QUARTERS = list(calendar.units_of("2025-26", PeriodKind.QUARTER))


@dataclass(frozen=True)
class Definition:
    frequency: Frequency
    aggregation: Aggregation
    polarity: Polarity
    value_type: ValueType = ValueType.NUMBER
    decimal_places: int = 1
    amber_if_improving: bool = False

    def own_tolerance(self) -> Tolerance | None:
        return TOLERANCE


numbers = st.integers(min_value=1, max_value=500).map(Decimal)
aggregations = st.sampled_from(
    [Aggregation.SUM, Aggregation.MEAN, Aggregation.LATEST, Aggregation.MAX, Aggregation.MIN]
)
polarities = st.sampled_from([Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER])


def figure(value: Decimal) -> ApprovedFigure:
    return ApprovedFigure(value, None, None, None, ValueStatus.APPROVED)


def ytd_rating(math: MeasureMath, code: str) -> tuple[Decimal | None, Target | None, Rag, str]:
    reading = math.year_to_date(Frame.of(code))
    rag = evaluate_rag(
        actual=reading.value,
        target=reading.target,
        polarity=math.indicator.polarity,
        tolerance=TOLERANCE,
    ).rag
    return reading.value, reading.target, rag, reading.as_at


@settings(max_examples=150, deadline=None)
@given(
    aggregation=aggregations,
    polarity=polarities,
    figures=st.lists(numbers, min_size=1, max_size=9),
    targets=st.lists(numbers, min_size=12, max_size=12),
    later=numbers,
)
def test_a_later_figure_never_changes_the_rating_of_an_earlier_as_at(
    aggregation: Aggregation,
    polarity: Polarity,
    figures: list[Decimal],
    targets: list[Decimal],
    later: Decimal,
) -> None:
    definition = Definition(Frequency.MONTHLY, aggregation, polarity)
    values = {month: figure(value) for month, value in zip(MONTHS, figures, strict=False)}
    target_rows = {month: Target(value=t) for month, t in zip(MONTHS, targets, strict=True)}
    as_at = MONTHS[len(figures) - 1]
    before = ytd_rating(MeasureMath(definition, values, target_rows), as_at)
    # The year to date read at any later month, with the months after as_at still to come...
    for month in MONTHS[len(figures) :]:
        assert ytd_rating(MeasureMath(definition, values, target_rows), month)[:3] == before[:3]
    # ...and as_at's own reading once a later month's figure arrives.
    if len(figures) < len(MONTHS):
        values[MONTHS[len(figures)]] = figure(later)
        assert ytd_rating(MeasureMath(definition, values, target_rows), as_at) == before


@settings(max_examples=150, deadline=None)
@given(aggregation=aggregations, polarity=polarities, value=numbers, target=numbers)
def test_a_year_to_date_with_one_period_in_is_rated_as_that_period(
    aggregation: Aggregation, polarity: Polarity, value: Decimal, target: Decimal
) -> None:
    definition = Definition(Frequency.QUARTERLY, aggregation, polarity)
    math = MeasureMath(
        definition,
        {QUARTERS[0]: figure(value)},
        {quarter: Target(value=target) for quarter in QUARTERS},
    )
    period = evaluate_rag(
        actual=value, target=Target(value=target), polarity=polarity, tolerance=TOLERANCE
    ).rag
    for quarter in QUARTERS:
        assert ytd_rating(math, quarter)[2:] == (period, QUARTERS[0])


def test_a_period_with_no_figure_yet_keeps_its_own_target() -> None:
    definition = Definition(Frequency.MONTHLY, Aggregation.SUM, Polarity.HIGHER_IS_BETTER)
    math = MeasureMath(definition, {}, {month: Target(value=Decimal(10)) for month in MONTHS})
    reading = math.reading(QUARTERS[0])
    assert (reading.value, reading.target, reading.as_at, reading.complete) == (
        None,
        Target(value=Decimal(30)),
        QUARTERS[0],
        False,
    )
