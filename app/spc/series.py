"""An indicator's XmR chart: its series, improvement direction, target and settings (no I/O)."""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Protocol

from app.measures.vocabulary import VALUE_KIND, Aggregation, Frequency, Polarity
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.spc.engine import ImprovementDirection, SpcResult, xmr
from app.spc.models import DEFAULT_RUN_LENGTH, IndicatorSpcSetting
from app.spc.repository import PeriodTarget, SeriesPoint

_DIRECTION = {
    Polarity.HIGHER_IS_BETTER: ImprovementDirection.INCREASE,
    Polarity.LOWER_IS_BETTER: ImprovementDirection.DECREASE,
}


def improvement_direction(polarity: Polarity) -> ImprovementDirection:
    """Higher is better: increase; lower is better: decrease; a band or no polarity: neutral."""
    return _DIRECTION.get(polarity, ImprovementDirection.NEUTRAL)


class ChartedIndicator(Protocol):
    """What a chart needs of an indicator: an ``Indicator`` row, or a status computation's
    plain ``MeasureRow``."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def code(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def frequency(self) -> Frequency: ...
    @property
    def polarity(self) -> Polarity: ...
    @property
    def aggregation(self) -> Aggregation: ...


@dataclass(frozen=True)
class ChartSettings:
    """How an indicator's chart is fitted: its stored settings, or the defaults."""

    run_length: int = DEFAULT_RUN_LENGTH
    screen_outliers: bool = False
    baseline: int | None = None
    recalculate_at: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: IndicatorSpcSetting | None) -> ChartSettings:
        if row is None:
            return cls()
        return cls(
            run_length=row.run_length,
            screen_outliers=row.screen_outliers,
            baseline=row.baseline,
            recalculate_at=tuple(point["period"] for point in row.recalculate_at),
        )

    def overridden(
        self, *, run_length: int | None = None, screen_outliers: bool | None = None
    ) -> ChartSettings:
        """These settings with a caller's one-off choices (a chart's query parameters)."""
        return replace(
            self,
            run_length=self.run_length if run_length is None else run_length,
            screen_outliers=self.screen_outliers if screen_outliers is None else screen_outliers,
        )


@dataclass(frozen=True)
class IndicatorChart:
    """An indicator's XmR chart over its approved series, and what it was fitted with."""

    indicator: ChartedIndicator
    points: list[SeriesPoint]
    settings: ChartSettings
    direction: ImprovementDirection
    target: Decimal | None
    recalculated_at: list[str]
    result: SpcResult


def recalculation_indexes(periods: Sequence[str], recalculate_at: Sequence[str]) -> list[int]:
    """Where each stored recalculation period falls in the series: its first point on or after
    the period's start.

    A point before or at the first value changes nothing; one that would leave a segment of
    fewer than 2 points (a recalculation recorded before its data has arrived) is not applied
    yet, so the chart still draws instead of failing.
    """
    starts = [calendar.parse_period(code).start_date for code in periods]
    count = len(starts)
    chosen: list[int] = []
    last = 0
    for start in sorted(calendar.parse_period(code).start_date for code in recalculate_at):
        at = bisect_left(starts, start)
        if at - last < 2 or count - at < 2:
            continue
        chosen.append(at)
        last = at
    return chosen


def latest_target(
    targets: Sequence[PeriodTarget], *, kind: PeriodKind, aggregation: Aggregation, until: date
) -> Decimal | None:
    """The latest point target of the series' own period kind set by `until`.

    Without one, a measure that is not summed (a rate, an average, a snapshot) is held to the
    latest quarter's or year's target as a standard every point should meet; a summed measure's
    longer-period target is a total, not comparable with one period's value.
    """
    own = [t for t in targets if t.kind is kind and t.start_date <= until]
    if own:
        return max(own, key=lambda t: t.start_date).value
    if aggregation is Aggregation.SUM:
        return None
    longer = [t for t in targets if not calendar.is_within(t.kind, kind) and t.start_date <= until]
    if not longer:
        return None
    # The latest start wins; of a quarter and a year starting together, the quarter.
    return max(longer, key=lambda t: (t.start_date, -calendar.KIND_RANK[t.kind])).value


def indicator_chart(
    indicator: ChartedIndicator,
    *,
    series: Sequence[SeriesPoint],
    targets: Sequence[PeriodTarget],
    settings: ChartSettings,
    until: date | None = None,
) -> IndicatorChart:
    """The XmR chart of an indicator's approved values of its own frequency."""
    kind = VALUE_KIND[indicator.frequency]
    points = [point for point in series if point.kind is kind]
    periods = [point.period for point in points]
    last = points[-1].start_date if points else until or date.max
    target = latest_target(targets, kind=kind, aggregation=indicator.aggregation, until=last)
    direction = improvement_direction(indicator.polarity)
    indexes = (
        []
        if settings.baseline is not None
        else recalculation_indexes(periods, settings.recalculate_at)
    )
    result = xmr(
        [point.value for point in points],
        improvement_direction=direction,
        target=target,
        run_length=settings.run_length,
        screen_outliers=settings.screen_outliers,
        recalculate_at=indexes,
        baseline=settings.baseline,
    )
    return IndicatorChart(
        indicator=indicator,
        points=points,
        settings=settings,
        direction=direction,
        target=target,
        recalculated_at=[periods[index] for index in indexes],
        result=result,
    )
