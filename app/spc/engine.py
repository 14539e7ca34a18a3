"""XmR charts with the NHS England "Making Data Count" special cause rules and icons."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from statistics import fmean
from typing import TypeAlias

MIN_POINTS = 13
RUN_LENGTHS = (6, 7)

LIMIT_FACTOR = 2.66
NEAR_LIMIT_FACTOR = LIMIT_FACTOR * 2 / 3
SCREEN_FACTOR = 3.267

_HIGH = 1
_LOW = -1


class ImprovementDirection(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class PointType(StrEnum):
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEUTRAL = "neutral"
    COMMON_CAUSE = "common_cause"


class SpcRule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


class VariationIcon(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"


class AssuranceIcon(StrEnum):
    # "pass" is an assurance outcome, not a password.
    CONSISTENT_PASS = "consistent_pass"  # noqa: S105
    CONSISTENT_FAIL = "consistent_fail"
    HIT_AND_MISS = "hit_and_miss"


@dataclass(frozen=True)
class SpcPoint:
    """One point of an XmR chart, judged against its own segment's mean and lines."""

    index: int
    value: float
    mean: float | None
    lower_limit: float | None
    upper_limit: float | None
    lower_near: float | None
    upper_near: float | None
    special_cause: bool
    type: PointType
    rules: tuple[SpcRule, ...]


@dataclass(frozen=True)
class SpcResult:
    """The points of an XmR chart with its variation and assurance icons."""

    points: tuple[SpcPoint, ...]
    variation_icon: VariationIcon | None
    assurance_icon: AssuranceIcon | None


@dataclass(frozen=True)
class _Lines:
    """The centre line and the four limit lines of one segment."""

    mean: float
    lower_limit: float
    upper_limit: float
    lower_near: float
    upper_near: float


@dataclass(frozen=True)
class _Segment:
    """Points [start, end) are judged against lines fitted to points [start, fit_end)."""

    start: int
    end: int
    fit_end: int


# A rule broken by a point and the way it points: _HIGH or _LOW.
_Signal: TypeAlias = tuple[SpcRule, int]


def xmr(
    values: Sequence[Decimal | float],
    *,
    improvement_direction: ImprovementDirection = ImprovementDirection.NEUTRAL,
    target: Decimal | float | None = None,
    run_length: int = 6,
    screen_outliers: bool = False,
    recalculate_at: Sequence[int] = (),
    baseline: int | None = None,
) -> SpcResult:
    """Build an XmR chart, flag special cause points and choose the icons."""
    # Accepts the plain string too, and rejects an unknown direction early.
    improvement_direction = ImprovementDirection(improvement_direction)
    if run_length not in RUN_LENGTHS:
        raise ValueError(f"run_length must be 6 or 7, not {run_length}")
    xs = [_finite_float(value, name="value") for value in values]
    if target is not None:
        _finite_float(target, name="target")
    segments = _segments(len(xs), recalculate_at=recalculate_at, baseline=baseline)

    if len(xs) < MIN_POINTS:
        return SpcResult(
            points=tuple(_common_cause_point(index, value) for index, value in enumerate(xs)),
            variation_icon=None,
            assurance_icon=None,
        )

    lines = _lines_per_point(xs, segments=segments, screen_outliers=screen_outliers)
    signals = _signals(xs, lines, run_length=run_length)
    points = tuple(
        _point(
            index=index,
            value=value,
            lines=point_lines,
            signals=point_signals,
            direction=improvement_direction,
        )
        for index, (value, point_lines, point_signals) in enumerate(
            zip(xs, lines, signals, strict=True)
        )
    )
    latest = lines[-1]
    return SpcResult(
        points=points,
        variation_icon=_variation_icon(
            point=points[-1], signals=signals[-1], direction=improvement_direction
        ),
        assurance_icon=assurance_icon(
            target=target,
            lower_limit=latest.lower_limit,
            upper_limit=latest.upper_limit,
            direction=improvement_direction,
        ),
    )


def assurance_icon(
    *,
    target: Decimal | float | None,
    lower_limit: float | None,
    upper_limit: float | None,
    direction: ImprovementDirection,
) -> AssuranceIcon | None:
    """Whether the process will consistently pass, consistently fail, or hit and miss the target."""
    direction = ImprovementDirection(direction)
    if (
        target is None
        or lower_limit is None
        or upper_limit is None
        or direction is ImprovementDirection.NEUTRAL
    ):
        return None
    goal = _finite_float(target, name="target")
    # Strict comparisons, as NHSRplotthedots (ptd_calculate_assurance_type: target > upl,
    # target < lpl): a target exactly on a process limit is still within reach of the
    # process's normal variation, so it is hit and miss.
    if goal > upper_limit:
        return (
            AssuranceIcon.CONSISTENT_FAIL
            if direction is ImprovementDirection.INCREASE
            else AssuranceIcon.CONSISTENT_PASS
        )
    if goal < lower_limit:
        return (
            AssuranceIcon.CONSISTENT_PASS
            if direction is ImprovementDirection.INCREASE
            else AssuranceIcon.CONSISTENT_FAIL
        )
    return AssuranceIcon.HIT_AND_MISS


def _finite_float(value: Decimal | float, *, name: str) -> float:
    """The value as a float; NaN and infinities would make every comparison meaningless."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return number


def _segments(count: int, *, recalculate_at: Sequence[int], baseline: int | None) -> list[_Segment]:
    """Split the series into segments; validate the recalculation points or the baseline."""
    if baseline is not None:
        if baseline < 2:
            raise ValueError(f"baseline needs at least 2 points for a moving range, not {baseline}")
        # A baseline longer than the series uses the whole series, as NHSRplotthedots'
        # fix_after_n_points does: an indicator set up with a 24-point baseline still gets a
        # chart while its first 24 points are arriving.
        return [_Segment(start=0, end=count, fit_end=min(baseline, count))]

    for index in recalculate_at:
        if not 0 <= index < count:
            raise ValueError(f"recalculation index {index} is outside the series (0..{count - 1})")
    # Index 0 already starts the first segment, so it is no recalculation.
    starts = sorted({0, *recalculate_at})
    segments = [
        _Segment(start=start, end=end, fit_end=end) for start, end in pairwise([*starts, count])
    ]
    if len(segments) > 1 and any(segment.end - segment.start < 2 for segment in segments):
        raise ValueError("every recalculation segment needs at least 2 points for a moving range")
    return segments


def _fit_lines(sample: Sequence[float], *, screen_outliers: bool) -> _Lines:
    """The mean and limit lines of one segment's sample."""
    mean = fmean(sample)
    moving_ranges = [abs(current - previous) for previous, current in pairwise(sample)]
    average_range = fmean(moving_ranges)
    if screen_outliers:
        # Keeps at least the smallest range, which is never above the average, so the
        # recomputed average is always defined. The mean of the values is deliberately unchanged.
        ceiling = SCREEN_FACTOR * average_range
        average_range = fmean(
            moving_range for moving_range in moving_ranges if moving_range <= ceiling
        )
    return _Lines(
        mean=mean,
        lower_limit=mean - LIMIT_FACTOR * average_range,
        upper_limit=mean + LIMIT_FACTOR * average_range,
        lower_near=mean - NEAR_LIMIT_FACTOR * average_range,
        upper_near=mean + NEAR_LIMIT_FACTOR * average_range,
    )


def _lines_per_point(
    xs: Sequence[float], *, segments: Sequence[_Segment], screen_outliers: bool
) -> list[_Lines]:
    """Each point's lines: those of the segment it belongs to."""
    lines: list[_Lines] = []
    for segment in segments:
        # Slicing from the segment's start leaves out the moving range that crosses the
        # recalculation boundary, which belongs to neither process.
        fitted = _fit_lines(xs[segment.start : segment.fit_end], screen_outliers=screen_outliers)
        lines.extend([fitted] * (segment.end - segment.start))
    return lines


def _side(value: float, lines: _Lines) -> int:
    """_HIGH above the mean, _LOW below it, 0 exactly on it."""
    if value > lines.mean:
        return _HIGH
    if value < lines.mean:
        return _LOW
    return 0


def _signals(
    xs: Sequence[float], lines: Sequence[_Lines], *, run_length: int
) -> list[set[_Signal]]:
    """The rules each point breaks, each with the way it points."""
    signals: list[set[_Signal]] = [set() for _ in xs]
    sides = [_side(value, point_lines) for value, point_lines in zip(xs, lines, strict=True)]

    for index, (value, point_lines) in enumerate(zip(xs, lines, strict=True)):
        if value > point_lines.upper_limit:
            signals[index].add((SpcRule.OUTSIDE_LIMITS, _HIGH))
        elif value < point_lines.lower_limit:
            signals[index].add((SpcRule.OUTSIDE_LIMITS, _LOW))

    # The run and trend rules look at the whole series, across recalculation boundaries, as
    # the Making Data Count tool does; each point is still compared with its own segment's mean.
    for start, end, side in _runs(sides):
        if side != 0 and end - start >= run_length:
            for index in range(start, end):
                signals[index].add((SpcRule.SHIFT, side))

    steps = [_sign(current - previous) for previous, current in pairwise(xs)]
    for start, end, step in _runs(steps):
        # Steps start..end-1 join points start..end; a tie (step 0) breaks the trend.
        if step != 0 and end - start >= run_length - 1:
            for index in range(start, end + 1):
                signals[index].add((SpcRule.TREND, step))

    near = [
        _is_near_limit(value, point_lines, side=side)
        for value, point_lines, side in zip(xs, lines, sides, strict=True)
    ]
    # Two of three: two (or three) of three consecutive points between a near-limit line and
    # the process limit, all three on the same side of the mean. A point beyond the process
    # limit is special cause by itself and does not count towards this rule (it would
    # otherwise flag its neighbour for being merely near), and only the near points are
    # flagged, not the third one.
    for start in range(len(xs) - 2):
        window = range(start, start + 3)
        side = sides[start]
        if side == 0 or any(sides[index] != side for index in window):
            continue
        if sum(near[index] for index in window) >= 2:
            for index in window:
                if near[index]:
                    signals[index].add((SpcRule.TWO_OF_THREE, side))
    return signals


def _is_near_limit(value: float, lines: _Lines, *, side: int) -> bool:
    """Whether the value lies between the near-limit line and the process limit on its side
    of the mean (on the limit itself is not beyond it)."""
    if side == _HIGH:
        return lines.upper_near < value <= lines.upper_limit
    if side == _LOW:
        return lines.lower_limit <= value < lines.lower_near
    return False


def _sign(number: float) -> int:
    """-1, 0 or 1."""
    return (number > 0) - (number < 0)


def _runs(items: Sequence[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal items as (start, end, item), end exclusive."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    for index in range(1, len(items) + 1):
        if index == len(items) or items[index] != items[start]:
            runs.append((start, index, items[start]))
            start = index
    return runs


def _favourable(way: int, direction: ImprovementDirection) -> bool:
    """Whether a signal pointing this way is an improvement for the direction."""
    return way == (_HIGH if direction is ImprovementDirection.INCREASE else _LOW)


def _point(
    *,
    index: int,
    value: float,
    lines: _Lines,
    signals: set[_Signal],
    direction: ImprovementDirection,
) -> SpcPoint:
    """One judged point of the chart."""
    rules = tuple(rule for rule in SpcRule if any(broken == rule for broken, _ in signals))
    return SpcPoint(
        index=index,
        value=value,
        mean=lines.mean,
        lower_limit=lines.lower_limit,
        upper_limit=lines.upper_limit,
        lower_near=lines.lower_near,
        upper_near=lines.upper_near,
        special_cause=bool(signals),
        type=_point_type(signals, direction=direction),
        rules=rules,
    )


def _point_type(signals: set[_Signal], *, direction: ImprovementDirection) -> PointType:
    """Improvement, concern or neutral for a special cause point; common cause otherwise."""
    if not signals:
        return PointType.COMMON_CAUSE
    if direction is ImprovementDirection.NEUTRAL:
        return PointType.NEUTRAL
    # A trend points the way it moves, not to its side of the mean (NHSRplotthedots PR #180):
    # a falling trend above the mean is not an improvement when higher is better. So a point
    # can be flagged both ways; the Making Data Count tool then shows improvement (issue #194).
    if any(_favourable(way, direction) for _, way in signals):
        return PointType.IMPROVEMENT
    return PointType.CONCERN


def _variation_icon(
    *, point: SpcPoint, signals: set[_Signal], direction: ImprovementDirection
) -> VariationIcon:
    """The variation icon for the chart's last point."""
    if point.type is PointType.IMPROVEMENT:
        # High or low follows the improvement direction, as NHSRplotthedots' geom_ptd_icon does,
        # so the icon always agrees with the point's type, even for a trend on the far side.
        return (
            VariationIcon.IMPROVEMENT_HIGH
            if direction is ImprovementDirection.INCREASE
            else VariationIcon.IMPROVEMENT_LOW
        )
    if point.type is PointType.CONCERN:
        return (
            VariationIcon.CONCERN_LOW
            if direction is ImprovementDirection.INCREASE
            else VariationIcon.CONCERN_HIGH
        )
    if point.type is PointType.NEUTRAL:
        ways = {way for _, way in signals}
        if len(ways) == 2:
            # Flagged both ways (a trend running against its side of the mean): with no
            # better way to prefer, the side of the mean decides.
            assert point.mean is not None
            ways = {_sign(point.value - point.mean)}
        return VariationIcon.NEUTRAL_HIGH if ways == {_HIGH} else VariationIcon.NEUTRAL_LOW
    return VariationIcon.COMMON_CAUSE


def _common_cause_point(index: int, value: float) -> SpcPoint:
    """A point of a series too short for limits: no lines, no special cause."""
    return SpcPoint(
        index=index,
        value=value,
        mean=None,
        lower_limit=None,
        upper_limit=None,
        lower_near=None,
        upper_near=None,
        special_cause=False,
        type=PointType.COMMON_CAUSE,
        rules=(),
    )
