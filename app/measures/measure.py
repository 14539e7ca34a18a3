"""One measure's arithmetic for a period: its figures and targets combined over the periods a
status reads, the RAG rule applied to them, and the year-end forecast.

A status reads the period itself, the one before, the same period last year and the year to
date. A period longer than the measure's own (a quarter of a monthly measure) combines its parts
by the indicator's aggregation, values and targets alike; a target set for the period itself
wins over its parts' targets. A partial set of targets is no target for the whole.

Most of the year the data is incomplete, so every comparison is like for like (``Reading``):
- a period read before all its parts are in is rated as at its latest part with a figure: the
  parts present against their own targets (for ``latest``, the latest part's figure against
  that part's target), and compared with the same parts of the period before and of last year;
- the year to date runs to the latest period with a figure (``as_at``), against the targets of
  the same periods, never of periods without a figure.
A part's own target is the one set for it; for ``mean``, ``ratio``, ``max`` and ``min`` a target
set for a longer period applies to every part of it, and for ``latest`` one set for a longer
period applies to the part that ends it. A ``sum``'s longer target is never split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Protocol

from app.core.schemas import ResponseSchema
from app.measures import rules
from app.measures.aggregation import Figures, aggregate, check_figures, combine_known_targets
from app.measures.forecast import ForecastMethod, forecast_method, forecast_year_end
from app.measures.numbers import CONTEXT, quantize
from app.measures.vocabulary import (
    VALUE_KIND,
    Aggregation,
    Frequency,
    Polarity,
    Rag,
    Target,
    Tolerance,
    ValueStatus,
    ValueType,
)
from app.periods import calendar
from app.periods.calendar import PeriodKind

# What a projected period may take, by value type (a forecast never goes below zero spend).
BOUNDS: dict[ValueType, tuple[Decimal | None, Decimal | None]] = {
    ValueType.PERCENTAGE: (Decimal(0), Decimal(100)),
    ValueType.COUNT: (Decimal(0), None),
    ValueType.TIME: (Decimal(0), None),
    ValueType.CURRENCY: (Decimal(0), None),
}


class MeasureDefinition(Protocol):
    """What the arithmetic needs of an indicator (an ``Indicator`` row is one)."""

    @property
    def frequency(self) -> Frequency: ...
    @property
    def aggregation(self) -> Aggregation: ...
    @property
    def value_type(self) -> ValueType: ...
    @property
    def decimal_places(self) -> int: ...
    @property
    def polarity(self) -> Polarity: ...
    @property
    def amber_if_improving(self) -> bool: ...
    def own_tolerance(self) -> Tolerance | None: ...


class TargetLike(Protocol):
    """A stored target row or a ``Target``: whatever carries the four figures."""

    @property
    def value(self) -> Decimal | None: ...
    @property
    def lower(self) -> Decimal | None: ...
    @property
    def upper(self) -> Decimal | None: ...
    @property
    def floor(self) -> Decimal | None: ...


def as_rule_target(target: TargetLike) -> Target:
    if isinstance(target, Target):
        return target
    return Target(value=target.value, lower=target.lower, upper=target.upper, floor=target.floor)


@dataclass(frozen=True, slots=True)
class ApprovedFigure:
    """A period's approved figures (checked: finite Decimals, ``check_figures``), its
    commentary and its step. The arithmetic combines it as it is (``Figures``)."""

    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str | None
    status: ValueStatus

    def __post_init__(self) -> None:
        check_figures(self.value, self.numerator, self.denominator)

    @classmethod
    def known(
        cls,
        value: Decimal,
        numerator: Decimal | None,
        denominator: Decimal | None,
        commentary: str | None,
        status: ValueStatus,
    ) -> ApprovedFigure:
        """The same figure as ``ApprovedFigure(...)``, checked the same, made round the frozen
        dataclass's ``__setattr__`` (its slots' own setters instead): a status computation
        reads thousands of rows."""
        check_figures(value, numerator, denominator)
        figure = _new_figure(cls)
        _set_figure_value(figure, value)
        _set_figure_numerator(figure, numerator)
        _set_figure_denominator(figure, denominator)
        _set_figure_commentary(figure, commentary)
        _set_figure_status(figure, status)
        return figure


# Slots without a __dict__: fewer objects for the cyclic collector to walk while a computation
# holds thousands of figures. Their own setters, round the frozen dataclass's __setattr__.
_new_figure = object.__new__
_set_figure_value = ApprovedFigure.__dict__["value"].__set__
_set_figure_numerator = ApprovedFigure.__dict__["numerator"].__set__
_set_figure_denominator = ApprovedFigure.__dict__["denominator"].__set__
_set_figure_commentary = ApprovedFigure.__dict__["commentary"].__set__
_set_figure_status = ApprovedFigure.__dict__["status"].__set__


@dataclass
class Frame:
    """The periods a status for `period` reads, worked out once per request."""

    period: str
    kind: PeriodKind
    previous: str | None  # None before the first nameable period
    last_year: str | None
    to_date: list[str]
    year: str

    @classmethod
    def of(cls, code: str) -> Frame:
        return cls(
            period=code,
            kind=calendar.parse_period(code).kind,
            previous=calendar.previous_of(code),
            last_year=calendar.last_year_of(code),
            to_date=calendar.periods_to_date(code),
            year=calendar.parse_period(code).financial_year,
        )

    def value_codes(self, kind: PeriodKind) -> set[str]:
        codes: set[str] = set()
        # The whole year: its later figures weigh a pooled ratio's annual target, for the forecast.
        for code in (self.period, self.previous, self.last_year, *self.to_date, self.year):
            if code is None:
                continue
            codes.update(calendar.units_of(code, kind))
        return codes

    def target_codes(self, kind: PeriodKind) -> set[str]:
        codes = self.value_codes(kind)
        for code in (self.period, *self.to_date, self.year):
            codes |= {code, *calendar.children(code), *calendar.months_in(code)}
        return codes


# What a memo holds for a key not yet worked out (None is an answer: no figure, no target).
_UNSEEN = object()

# Aggregations for which a longer period's target holds for each of its parts.
_INTENSIVE = frozenset({Aggregation.MEAN, Aggregation.RATIO, Aggregation.MAX, Aggregation.MIN})


@dataclass(frozen=True)
class Reading:
    """A measure's figure for a period as far as its data goes, and the target it is rated by.

    ``as_at`` is the period itself when every part is in (or none is), else the latest part
    with a figure; ``parts`` are then the positions of the parts present, which the figures it
    is compared with must have too."""

    value: Decimal | None
    complete: bool
    as_at: str
    target: Target | None
    parts: tuple[int, ...] | None = None


class MeasureMath:
    """One indicator's figures for the periods of a frame, combined by its aggregation."""

    def __init__(
        self,
        indicator: MeasureDefinition,
        values: Mapping[str, ApprovedFigure],
        targets: Mapping[str, TargetLike],
    ) -> None:
        self.indicator = indicator
        self.kind = VALUE_KIND[indicator.frequency]
        self.values = values
        self.targets = targets
        self.scale = Decimal(100) if indicator.value_type is ValueType.PERCENTAGE else Decimal(1)
        # Read once: an ORM row's attributes cost a descriptor call each, tens per status.
        self.aggregation = indicator.aggregation
        self.places = indicator.decimal_places
        # The figures and targets given never change for this object: each period's combined
        # value and target is worked out once (a status asks for the same ones several times:
        # the reading, year to date, the forecast).
        self._values: dict[tuple[str, ...], tuple[Decimal | None, bool]] = {}
        self._targets_at: dict[str, Target | None] = {}

    def observations(self, codes: Iterable[str]) -> tuple[list[Figures], bool]:
        """The figures of these periods that have one (checked when made: ``ApprovedFigure``),
        and whether every period has one."""
        values = self.values
        found: list[Figures] = []
        complete = True
        for code in codes:
            figure = values.get(code)
            if figure is None:
                complete = False
            else:
                found.append(figure)
        return found, complete

    def value(self, codes: Sequence[str]) -> tuple[Decimal | None, bool]:
        key = tuple(codes)
        known = self._values.get(key)
        if known is None:
            known = self._values[key] = self._value(codes)
        return known

    def _value(self, codes: Sequence[str]) -> tuple[Decimal | None, bool]:
        if len(codes) == 1:
            figure = self.values.get(codes[0])
            return (None, False) if figure is None else (figure.value, True)
        observations, complete = self.observations(codes)
        combined = aggregate(observations, self.aggregation, scale=self.scale)
        return quantize(combined, self.places), complete

    def value_at(self, code: str) -> tuple[Decimal | None, bool]:
        return self.value(calendar.units_of(code, self.kind))

    def reading(self, code: str) -> Reading:
        """Period `code` as far as its data goes (see ``Reading``)."""
        units = calendar.units_of(code, self.kind)
        present = tuple(i for i, unit in enumerate(units) if unit in self.values)
        if len(present) in (0, len(units)):
            value, complete = self.value(units)
            return Reading(value, complete, code, self.target_at(code))
        chosen = [units[i] for i in present]
        value, _ = self.value(chosen)
        target = self.parts_target(chosen, whole=code)
        return Reading(value, False, chosen[-1], target, present)

    def year_to_date(self, frame: Frame) -> Reading:
        """From the start of the year to the latest period with a figure, up to `frame.period`,
        against the targets of the periods it combines."""
        units = calendar.units_to_date(frame.period, self.kind)
        present = [unit for unit in units if unit in self.values]
        if len(present) in (0, len(units)):
            value, complete = self.value(units)
            return Reading(value, complete, frame.period, self.ytd_target(frame))
        value, _ = self.value(present)
        return Reading(value, False, present[-1], self.parts_target(present, whole=frame.year))

    def same_parts(self, code: str | None, parts: tuple[int, ...] | None) -> Decimal | None:
        """Period `code`'s figure over the parts at these positions (every part when None), to
        compare like for like; None unless each of those parts has a figure."""
        if code is None:
            return None
        if parts is None:
            return self.value_at(code)[0]
        units = calendar.units_of(code, self.kind)
        chosen = [units[i] for i in parts if i < len(units)]
        if len(chosen) != len(parts) or any(unit not in self.values for unit in chosen):
            return None
        return self.value(chosen)[0]

    def parts_target(self, units: Sequence[str], *, whole: str) -> Target | None:
        """The target for these parts (of the measure's own kind) of period `whole` together."""
        aggregation = self.aggregation
        if aggregation is Aggregation.LATEST:
            return self.part_target(units[-1], within=whole)
        if aggregation is Aggregation.SUM:
            # Quarters wholly present count with their own target (or their months' combined),
            # the months of a quarter partly present with theirs.
            pieces = self._whole_quarters(units)
            return self._combine([self.target_at(piece) for piece in pieces], pieces)
        return self._combine([self.part_target(unit, within=whole) for unit in units], units)

    def _whole_quarters(self, units: Sequence[str]) -> list[str]:
        if self.kind is not PeriodKind.MONTH:
            return list(units)
        present, pieces = set(units), []
        for unit in units:
            quarter = calendar.quarter_of(unit)
            months = calendar.units_of(quarter, PeriodKind.MONTH)
            if present.issuperset(months):
                if unit == months[0]:
                    pieces.append(quarter)
            else:
                pieces.append(unit)
        return pieces

    def part_target(self, unit: str, *, within: str) -> Target | None:
        """A part's own target (see the module's rules), looking no further out than `within`."""
        direct = self.targets.get(unit)
        if direct is not None:
            return as_rule_target(direct)
        aggregation = self.aggregation
        if aggregation is Aggregation.SUM:
            return None
        for longer in _enclosing(unit, within):
            if (
                aggregation is Aggregation.LATEST
                and calendar.units_of(longer, self.kind)[-1] != unit
            ):
                continue
            target = self.target_at(longer)
            if target is not None:
                return target
        return None

    def target_at(self, code: str) -> Target | None:
        """The target set for the period, else its parts' targets combined (a year's from its
        quarters, a quarter's from its months), by the indicator's aggregation."""
        known = self._targets_at.get(code, _UNSEEN)
        if known is not _UNSEEN:
            return known  # type: ignore[return-value]
        direct = self.targets.get(code)
        found: Target | None
        if direct is None:
            # As ``combine_targets`` of its parts, a call fewer a level (a year of months is
            # three levels, and every status asks for its year's target).
            parts = _parts_of(code, self.kind)
            found = self._combine([self.target_at(part) for part in parts], parts)
        else:
            found = direct if type(direct) is Target else as_rule_target(direct)
        self._targets_at[code] = found
        return found

    def ytd_target(self, frame: Frame) -> Target | None:
        if len(frame.to_date) == 1:
            return self.target_at(frame.period)
        return self.combine_targets(frame.to_date)

    def combine_targets(self, codes: Sequence[str]) -> Target | None:
        if not codes:
            return None
        return self._combine([self.target_at(code) for code in codes], codes)

    def _combine(self, parts: Sequence[Target | None], codes: Sequence[str]) -> Target | None:
        """Targets of consecutive periods `codes` combined into one for them all."""
        if not parts:
            return None
        # One pass: the points, the floors and the bands of the parts.
        values: list[Decimal] = []
        floors: list[Decimal] = []
        bands: set[tuple[Decimal | None, Decimal | None]] = set()
        for part in parts:
            if part is None:
                return None  # a partial set of targets is no target for the whole
            if part.value is None:
                bands.add((part.lower, part.upper))
            else:
                values.append(part.value)
            if part.floor is not None:
                floors.append(part.floor)
        if bands:
            # Bands combine only when every part has the same one.
            same = len(bands) == 1 and not values
            lower, upper = bands.pop()
            # Parts are targets already checked (``Target.known``: nothing new to check).
            return Target.known(lower=lower, upper=upper) if same else None
        weights = None
        if self.aggregation is Aggregation.RATIO:
            # A pooled ratio's target weighs each part by its denominator, as the value does.
            found = [self._denominator(code) for code in codes]
            if all(weight is not None for weight in found):
                weights = [weight for weight in found if weight is not None]
        places = self.places
        # The parts are targets (``Target``: finite Decimals, checked when made or read), so
        # combined without checking each number again.
        combined = combine_known_targets(values, self.aggregation, weights=weights)
        # Floors combine like the targets they guard, when every part has one.
        floor = (
            quantize(combine_known_targets(floors, self.aggregation, weights=weights), places)
            if len(floors) == len(parts)
            else None
        )
        return Target.known(value=quantize(combined, places), floor=floor)

    def _denominator(self, code: str) -> Decimal | None:
        figures = [self.values.get(unit) for unit in calendar.units_of(code, self.kind)]
        if not figures or any(f is None or f.denominator is None for f in figures):
            return None
        return sum((f.denominator for f in figures if f and f.denominator is not None), Decimal(0))


# The next level down that still holds an indicator's values or targets, worked out once per
# code and kind: every status combines the same few periods' targets.
@lru_cache(maxsize=1024)
def _parts_of(code: str, kind: PeriodKind) -> tuple[str, ...]:
    if calendar.is_within(calendar.parse_period(code).kind, kind):
        return ()
    return tuple(calendar.children(code))


def _enclosing(unit: str, within: str) -> list[str]:
    """The longer periods holding `unit`, innermost first, up to and including `within`."""
    spec = calendar.parse_period(unit)
    found: list[str] = []
    if spec.kind is PeriodKind.MONTH:
        quarter = calendar.quarter_of(unit)
        found.append(quarter)
        if quarter == within:
            return found
    if spec.kind is not PeriodKind.YEAR:
        found.append(spec.financial_year)
    return found if within in found else []


@dataclass(frozen=True)
class Rated:
    """One measure's figure for a period (as far as its data goes), its target, last year's
    figure for the same parts, and its RAG."""

    value: Decimal | None
    complete: bool
    target: Target | None
    last_year: Decimal | None
    rag: Rag
    as_at: str


def rate(math: MeasureMath, code: str, *, default: Tolerance) -> Rated:
    """The RAG rule the status of a measure applies, for any period of its own kind or longer,
    like for like when the period's data is not all in."""
    indicator = math.indicator
    reading = math.reading(code)
    last_year = math.same_parts(calendar.last_year_of(code), reading.parts)
    result = rules.evaluate_rag(
        actual=reading.value,
        target=reading.target,
        polarity=indicator.polarity,
        tolerance=indicator.own_tolerance() or default,
        amber_if_improving=indicator.amber_if_improving,
        last_year=last_year,
    )
    return Rated(
        reading.value, reading.complete, reading.target, last_year, result.rag, reading.as_at
    )


@dataclass(frozen=True)
class RatedForecast:
    """The year-end forecast, how it was made, and the status it would get."""

    value: Decimal
    method: ForecastMethod
    rag: Rag


@dataclass(frozen=True, slots=True)
class Projection:
    """The year-end forecast and how it was made (``project``), with the year's target it is
    rated against (set for the year, or combined from its parts)."""

    value: Decimal
    method: ForecastMethod
    year_target: Target | None

    def rated(self, *, polarity: Polarity, tolerance: Tolerance) -> RatedForecast:
        # No amber_if_improving: a forecast has no same-period-last-year figure to improve on.
        rag = rules.evaluate_rag(
            actual=self.value, target=self.year_target, polarity=polarity, tolerance=tolerance
        ).rag
        return RatedForecast(value=self.value, method=self.method, rag=rag)


def project(math: MeasureMath, frame: Frame, *, ytd: Reading) -> Projection | None:
    """The year-end outturn forecast from the year's figures to the period; None with no
    figure in the year yet.

    Where the measure has a point target for the year and for the periods to date, the
    forecast follows that profile: the year's target scaled by how the year to date stands
    against its own target (a council tax collection running 1% behind its monthly profile
    ends the year 1% short). Elsewhere a run rate (sums) or a linear trend; never beyond what
    the value type allows (a percentage within 0-100)."""
    indicator = math.indicator
    to_date = calendar.units_to_date(frame.period, math.kind)
    figures = [math.values.get(code) for code in to_date]
    values = [figure.value if figure else None for figure in figures]
    periods_in_year = len(calendar.units_of(frame.year, math.kind))
    lower, upper = BOUNDS.get(indicator.value_type, (None, None))
    method = forecast_method(
        values=values,
        periods_in_year=periods_in_year,
        aggregation=math.aggregation,
        lower_bound=lower,
        upper_bound=upper,
    )
    if method is None:
        return None
    year_target = math.target_at(frame.year)
    value: Decimal | None
    if method is ForecastMethod.ACTUAL and ytd.value is not None:
        # The year is complete: its outturn as the status reports it (a ratio pooled from
        # its numerators and denominators, not the mean of its periods).
        value = ytd.value
    elif (
        method is not ForecastMethod.ACTUAL
        and ytd.value is not None
        and year_target is not None
        and year_target.value is not None
        and ytd.target is not None
        and ytd.target.value
    ):
        # The profile's forecast, whatever the projection would have been: not worked out.
        with localcontext(CONTEXT):
            value = _within_bounds(
                year_target.value * ytd.value / ytd.target.value, lower=lower, upper=upper
            )
        method = ForecastMethod.TARGET_PROFILE
    else:
        projected = forecast_year_end(
            values=values,
            periods_in_year=periods_in_year,
            aggregation=math.aggregation,
            lower_bound=lower,
            upper_bound=upper,
        )
        assert projected is not None  # forecast_method said it forecasts
        assert projected.method is method
        value = projected.value
    value = quantize(value, math.places)
    assert value is not None
    return Projection(value, method, year_target)


@dataclass(frozen=True, slots=True)
class FrameFigures:
    """What a status for a frame reads of one measure before anything is rated: the period as
    far as its data goes, the same parts of the period before and of last year, the year to
    date and the year-end projection.

    Worked out from the measure's definition, figures and targets alone (no tolerance, no
    polarity, no date), so it stands while they do: a status computation keeps it beside
    the rows it came from and works it out again only when they change
    (``app.status.cache.KeptArithmetic``)."""

    reading: Reading
    previous: Decimal | None
    last_year: Decimal | None
    ytd: Reading
    projection: Projection | None

    @classmethod
    def of(cls, math: MeasureMath, frame: Frame) -> FrameFigures:
        # Like for like: a period read before all its parts are in is rated as at its latest
        # part, and compared with the same parts of the period before and of last year.
        reading = math.reading(frame.period)
        ytd = math.year_to_date(frame)
        return cls(
            reading,
            math.same_parts(frame.previous, reading.parts),
            math.same_parts(frame.last_year, reading.parts),
            ytd,
            project(math, frame, ytd=ytd),
        )


def _within_bounds(value: Decimal, *, lower: Decimal | None, upper: Decimal | None) -> Decimal:
    if lower is not None and value < lower:
        return lower
    if upper is not None and value > upper:
        return upper
    return value


class Summary(ResponseSchema):
    """How many measures have each status."""

    green: int = 0
    amber: int = 0
    red: int = 0
    data_only: int = 0
    missing: int = 0


class HasRag(Protocol):
    @property
    def rag(self) -> Rag | None: ...


def summarise(statuses: Iterable[HasRag]) -> Summary:
    """A count per RAG status (rows with no status yet are not counted)."""
    # Counted first and the model made once: a setattr per row goes through pydantic's
    # __setattr__, most of a warm scorecard's CPU for 2,000 rows.
    counts = Counter(status.rag for status in statuses)
    counts.pop(None, None)
    return Summary(**{rag.value: count for rag, count in counts.items() if rag is not None})
