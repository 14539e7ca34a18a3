"""RAG status and direction of travel: the pure rules every report uses.

The rules, as the README states them: shortfall against target (positive when worse), compared
with the tolerance (percent of the target or absolute, thresholds inclusive); a floor turns a
miss amber when met and red when not; ``amber_if_improving`` lifts a red that matched or beat the
same period last year to amber. Direction compares a figure with an earlier one.
"""

from dataclasses import dataclass
from decimal import Decimal, localcontext

from app.measures.numbers import CONTEXT, HUNDRED, ZERO, check_numbers
from app.measures.vocabulary import Direction, Polarity, Rag, Target, Tolerance, ToleranceUnit


@dataclass(frozen=True, slots=True)
class RagResult:
    """A status with the shortfall behind it (positive when worse than target)."""

    rag: Rag
    shortfall: Decimal | None
    shortfall_pct: Decimal | None


# The results with no shortfall, made once (frozen: shared by every evaluation).
_MISSING = RagResult(rag=Rag.MISSING, shortfall=None, shortfall_pct=None)
_DATA_ONLY = RagResult(rag=Rag.DATA_ONLY, shortfall=None, shortfall_pct=None)


def _check_fits(*, target: Target, polarity: Polarity) -> None:
    """Reject a target whose shape does not suit the polarity: that is a setup error, not data."""
    if polarity is Polarity.WITHIN_RANGE and target.value is not None:
        raise ValueError("a within_range indicator needs a band target (lower/upper), not a point")
    is_band = target.lower is not None or target.upper is not None
    if polarity in (Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER) and is_band:
        raise ValueError(f"a {polarity} indicator needs a point target (value), not a band")


def _prepare(*, target: Target | None, polarity: Polarity) -> Target | None:
    """The target to rate against, checked; None when there is nothing to rate against."""
    if polarity is Polarity.NONE or target is None:
        return None
    if target.value is None and target.lower is None and target.upper is None:
        return None  # it sets nothing to measure against
    _check_fits(target=target, polarity=polarity)
    return target


def _distance_outside(value: Decimal, *, target: Target) -> Decimal:
    """How far value lies outside the band; an open side is never crossed."""
    if target.lower is not None and value < target.lower:
        return target.lower - value
    if target.upper is not None and value > target.upper:
        return value - target.upper
    return ZERO


def _shortfall(*, actual: Decimal, target: Target, polarity: Polarity) -> Decimal:
    """Shortfall against a checked target, in the indicator's unit."""
    if polarity is Polarity.WITHIN_RANGE:
        return _distance_outside(actual, target=target)
    assert target.value is not None  # guaranteed by _check_fits for point polarities
    if polarity is Polarity.HIGHER_IS_BETTER:
        return target.value - actual
    return actual - target.value


def _reference(*, actual: Decimal, target: Target) -> Decimal | None:
    """The target value a percentage is taken of: the point, or the band bound crossed."""
    if target.value is not None:
        return target.value
    if target.lower is not None and actual < target.lower:
        return target.lower
    if target.upper is not None and actual > target.upper:
        return target.upper
    return None


def _percentage(*, gap: Decimal, reference: Decimal | None) -> Decimal | None:
    """Shortfall as a percentage of the reference; 0 inside a band, None against a zero target."""
    if reference is None:
        return ZERO
    if reference == 0:
        return None
    return gap * HUNDRED / abs(reference)


def _within(
    limit: Decimal, *, gap: Decimal, reference: Decimal | None, tolerance: Tolerance
) -> bool:
    """Whether a positive shortfall is within one tolerance threshold (inclusive)."""
    if tolerance.unit is ToleranceUnit.ABSOLUTE:
        return gap <= limit
    # A target of 0 with a percent tolerance makes any shortfall red: no share of 0 is small.
    if reference is None or reference == 0:
        return False
    # Cross-multiplied rather than compared with the rounded quotient, so a recurring
    # percentage cannot be nudged across a boundary (the products are exact at 50 digits).
    return gap * HUNDRED <= limit * abs(reference)


def _meets_floor(*, actual: Decimal, floor: Decimal, polarity: Polarity) -> bool:
    """Whether actual meets the minimum standard."""
    if polarity is Polarity.HIGHER_IS_BETTER:
        return actual >= floor
    return actual <= floor


def _better(*, a: Decimal, b: Decimal, polarity: Polarity, target: Target | None) -> bool | None:
    """is_better without argument checks, for a checked target."""
    if polarity is Polarity.HIGHER_IS_BETTER:
        return a > b
    if polarity is Polarity.LOWER_IS_BETTER:
        return a < b
    if polarity is Polarity.WITHIN_RANGE and target is not None:
        with localcontext(CONTEXT):
            return _distance_outside(a, target=target) < _distance_outside(b, target=target)
    return None


def shortfall(*, actual: Decimal, target: Target, polarity: Polarity) -> Decimal | None:
    """How far actual is worse than target (negative when better); None with nothing to rate."""
    check_numbers(actual=actual)
    checked = _prepare(target=target, polarity=polarity)
    if checked is None:
        return None
    with localcontext(CONTEXT):
        return _shortfall(actual=actual, target=checked, polarity=polarity)


def evaluate_rag(
    *,
    actual: Decimal | None,
    target: Target | None,
    polarity: Polarity,
    tolerance: Tolerance,
    amber_if_improving: bool = False,
    last_year: Decimal | None = None,
) -> RagResult:
    """Rate one period's value against its target (README, "The rules": RAG)."""
    # The common case (finite Decimals or None) in one test; anything else the named checks.
    if not (
        (actual is None or (type(actual) is Decimal and actual.is_finite()))
        and (last_year is None or (type(last_year) is Decimal and last_year.is_finite()))
    ):
        check_numbers(actual=actual, last_year=last_year)
    # Checked before the early returns so a misconfigured target fails the same way whether or
    # not this period's value has arrived yet.
    checked = _prepare(target=target, polarity=polarity)
    if actual is None:
        return _MISSING
    if checked is None:
        return _DATA_ONLY
    with localcontext(CONTEXT):
        gap = _shortfall(actual=actual, target=checked, polarity=polarity)
        reference = _reference(actual=actual, target=checked)
        pct = _percentage(gap=gap, reference=reference)
        if gap <= 0:
            rag = Rag.GREEN
        elif checked.floor is not None:
            met = _meets_floor(actual=actual, floor=checked.floor, polarity=polarity)
            rag = Rag.AMBER if met else Rag.RED
        elif _within(tolerance.green_within, gap=gap, reference=reference, tolerance=tolerance):
            rag = Rag.GREEN
        elif _within(tolerance.amber_within, gap=gap, reference=reference, tolerance=tolerance):
            rag = Rag.AMBER
        else:
            rag = Rag.RED
    if (
        rag is Rag.RED
        and amber_if_improving
        and last_year is not None
        # "As good as or better": anything but last year having been strictly better.
        and not _better(a=last_year, b=actual, polarity=polarity, target=checked)
    ):
        rag = Rag.AMBER
    return RagResult(rag=rag, shortfall=gap, shortfall_pct=pct)


def is_better(
    *, a: Decimal, b: Decimal, polarity: Polarity, target: Target | None = None
) -> bool | None:
    """Whether a is strictly better than b; None when polarity (or a missing band) cannot say."""
    check_numbers(a=a, b=b)
    checked = _prepare(target=target, polarity=polarity)
    return _better(a=a, b=b, polarity=polarity, target=checked)


def direction_of_travel(
    *,
    current: Decimal | None,
    previous: Decimal | None,
    polarity: Polarity,
    target: Target | None = None,
) -> Direction:
    """Direction of travel from previous to current (README, "The rules": direction)."""
    if not (
        (current is None or (type(current) is Decimal and current.is_finite()))
        and (previous is None or (type(previous) is Decimal and previous.is_finite()))
    ):
        check_numbers(current=current, previous=previous)
    checked = _prepare(target=target, polarity=polarity)
    if current is None or previous is None:
        return Direction.NOT_AVAILABLE
    if current == previous:
        return Direction.NO_CHANGE
    improved = _better(a=current, b=previous, polarity=polarity, target=checked)
    if improved is None:
        # No sense of good (polarity none, or a range with no band): report the plain movement.
        return Direction.INCREASING if current > previous else Direction.DECREASING
    if improved:
        return Direction.IMPROVING
    if _better(a=previous, b=current, polarity=polarity, target=checked):
        return Direction.WORSENING
    # Different values, equally good: both inside the band, or equally far outside it.
    return Direction.NO_CHANGE
