"""Combining periods into a quarter, year to date or outturn, by an indicator's aggregation:
``sum``, ``mean``, ``latest``, ``ratio`` (numerators pooled over denominators), ``max``, ``min``."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Protocol, assert_never

from app.measures.numbers import CONTEXT, ZERO, check_numbers
from app.measures.vocabulary import Aggregation


class Figures(Protocol):
    """One period's value, with the numerator and denominator behind it where known: an
    ``Observation``, or any figure made with ``check_figures`` (an approved figure)."""

    @property
    def value(self) -> Decimal: ...
    @property
    def numerator(self) -> Decimal | None: ...
    @property
    def denominator(self) -> Decimal | None: ...


def check_figures(value: Decimal, numerator: Decimal | None, denominator: Decimal | None) -> None:
    """Reject a period's figures unless each is a finite Decimal (the parts may be absent)."""
    # The common case (finite Decimals, parts absent) in one test, as ``check_numbers`` takes
    # it: a status computation reads thousands; anything else takes the named checks.
    if not (
        (type(value) is Decimal and value.is_finite())
        and (numerator is None or (type(numerator) is Decimal and numerator.is_finite()))
        and (denominator is None or (type(denominator) is Decimal and denominator.is_finite()))
    ):
        check_numbers(value=value, numerator=numerator, denominator=denominator)


@dataclass(frozen=True, slots=True)
class Observation:
    """One period's value, with the numerator and denominator behind it where known."""

    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    def __post_init__(self) -> None:
        check_figures(self.value, self.numerator, self.denominator)


# The aggregations that pick one of the figures: no arithmetic, so no decimal context to set
# (a status computation combines thousands of periods).
_PICKS = frozenset({Aggregation.LATEST, Aggregation.MAX, Aggregation.MIN})


def _mean(values: Sequence[Decimal]) -> Decimal:
    """Arithmetic mean of a non-empty sequence."""
    return sum(values, ZERO) / len(values)


def _combine(values: Sequence[Decimal], aggregation: Aggregation) -> Decimal:
    """Combine a non-empty sequence of plain values; a ratio without its parts is a mean."""
    match aggregation:
        case Aggregation.SUM:
            return sum(values, ZERO)
        case Aggregation.MEAN | Aggregation.RATIO:
            return _mean(values)
        case Aggregation.LATEST:
            return values[-1]
        case Aggregation.MAX:
            return max(values)
        case Aggregation.MIN:
            return min(values)
        case _:
            assert_never(aggregation)


def aggregate(
    observations: Sequence[Figures], aggregation: Aggregation, *, scale: Decimal = Decimal(1)
) -> Decimal | None:
    """Combine period values, given in period order, by the indicator's aggregation."""
    if type(scale) is not Decimal or not scale.is_finite():
        check_numbers(scale=scale)
    if not observations:
        return None
    if aggregation in _PICKS:
        return _combine([o.value for o in observations], aggregation)
    with localcontext(CONTEXT):
        if aggregation is Aggregation.RATIO:
            numerators: list[Decimal] = []
            denominators: list[Decimal] = []
            for observation in observations:
                if observation.numerator is None or observation.denominator is None:
                    # One period without its parts makes the pooled ratio meaningless; the
                    # values are still comparable, so fall back to their mean.
                    return _mean([o.value for o in observations])
                numerators.append(observation.numerator)
                denominators.append(observation.denominator)
            total = sum(denominators, ZERO)
            if total == 0:
                return None
            return sum(numerators, ZERO) * scale / total
        return _combine([o.value for o in observations], aggregation)


def aggregate_targets(
    targets: Sequence[Decimal],
    aggregation: Aggregation,
    *,
    weights: Sequence[Decimal] | None = None,
) -> Decimal | None:
    """Combine period targets into one for a longer period, by the indicator's aggregation."""
    for index, target in enumerate(targets):
        # Named checks (a keyword made per number) only for what is not plainly a finite
        # Decimal: what they accept is the same, and most targets are.
        if type(target) is not Decimal or not target.is_finite():
            check_numbers(**{f"targets[{index}]": target})
    if weights is not None:
        if len(weights) != len(targets):
            raise ValueError("weights must have one entry per target")
        for index, weight in enumerate(weights):
            if type(weight) is not Decimal or not weight.is_finite():
                check_numbers(**{f"weights[{index}]": weight})
    return combine_known_targets(targets, aggregation, weights=weights)


def combine_known_targets(
    targets: Sequence[Decimal],
    aggregation: Aggregation,
    *,
    weights: Sequence[Decimal] | None = None,
) -> Decimal | None:
    """``aggregate_targets`` of numbers already checked (a ``Target``'s: finite Decimals), with
    one weight per target where weighted: a status computation combines thousands."""
    if not targets:
        return None
    if aggregation in _PICKS:
        return _combine(targets, aggregation)
    with localcontext(CONTEXT):
        if weights is not None and aggregation in (Aggregation.MEAN, Aggregation.RATIO):
            total = sum(weights, ZERO)
            # Weighting by denominators makes a ratio's target match how its actual is pooled;
            # with nothing to weight by, every period counts the same.
            if total != 0:
                weighted = sum((t * w for t, w in zip(targets, weights, strict=True)), ZERO)
                return weighted / total
        return _combine(targets, aggregation)
