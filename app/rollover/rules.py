"""How a target is proposed for the new year from last year's: pure functions, no I/O.

An uplift is an improvement: on a higher-is-better measure it raises the target, on a
lower-is-better one it lowers it; a band (within_range) is shifted by the uplift of its
midpoint, keeping its width; a measure with no polarity is never uplifted. Floors (minimum
standards) are kept as they were. Results are exact Decimals rounded half up to the
indicator's decimal places, and kept within what the measure may be (a percentage 0-100).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.indicators.bounds import Range
from app.measures.numbers import CONTEXT, HUNDRED, quantize
from app.measures.vocabulary import Polarity
from app.periods import calendar
from app.periods.calendar import PeriodKind

TWO = Decimal(2)


@dataclass(frozen=True)
class Level:
    """A target's figures: a point (value) or a band (lower, upper), and a floor."""

    value: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    floor: Decimal | None = None


@dataclass(frozen=True)
class Refusal:
    """Why no target is proposed: a short code and a sentence."""

    reason: str
    detail: str


def _clamp(number: Decimal | None, allowed: Range) -> Decimal | None:
    if number is None:
        return None
    if allowed.lower is not None and number < allowed.lower.limit:
        return allowed.lower.limit
    if allowed.upper is not None and number > allowed.upper.limit:
        return allowed.upper.limit
    return number


def uplifted(
    basis: Level, *, polarity: Polarity, uplift_pct: Decimal, places: int, allowed: Range
) -> Level | Refusal:
    """The basis with the uplift applied the way the polarity says is better."""
    share = CONTEXT.divide(uplift_pct, HUNDRED)
    value, lower, upper = basis.value, basis.lower, basis.upper
    if polarity is Polarity.HIGHER_IS_BETTER and value is not None:
        value = CONTEXT.multiply(value, CONTEXT.add(Decimal(1), share))
    elif polarity is Polarity.LOWER_IS_BETTER and value is not None:
        value = CONTEXT.multiply(value, CONTEXT.subtract(Decimal(1), share))
    elif polarity is Polarity.WITHIN_RANGE and (lower is not None or upper is not None):
        bounds = [b for b in (lower, upper) if b is not None]
        middle = CONTEXT.divide(sum(bounds, Decimal(0)), Decimal(len(bounds)))
        shift = CONTEXT.multiply(middle, share)
        lower = None if lower is None else CONTEXT.add(lower, shift)
        upper = None if upper is None else CONTEXT.add(upper, shift)
    proposed = Level(
        value=_clamp(quantize(value, places), allowed),
        lower=_clamp(quantize(lower, places), allowed),
        upper=_clamp(quantize(upper, places), allowed),
        floor=basis.floor,
    )
    if proposed.floor is not None and proposed.value is not None:
        beyond = (polarity is Polarity.HIGHER_IS_BETTER and proposed.floor > proposed.value) or (
            polarity is Polarity.LOWER_IS_BETTER and proposed.floor < proposed.value
        )
        if beyond:
            return Refusal(
                "floor_conflict",
                f"the uplifted target {proposed.value} would fall short of its floor "
                f"{proposed.floor}",
            )
    return proposed


def from_outturn(
    outturn: Decimal, last_target: Level | None, *, polarity: Polarity
) -> Level | Refusal:
    """A target at last year's figure; a band keeps last year's width, centred on it."""
    floor = last_target.floor if last_target is not None else None
    if polarity is Polarity.NONE:
        return Refusal("data_only", "the measure has no polarity: it is never RAG-rated")
    if polarity is not Polarity.WITHIN_RANGE:
        return Level(value=outturn, floor=floor)
    if last_target is None or last_target.lower is None or last_target.upper is None:
        return Refusal("no_data", "no band last year to centre on the outturn")
    half = CONTEXT.divide(CONTEXT.subtract(last_target.upper, last_target.lower), TWO)
    return Level(lower=CONTEXT.subtract(outturn, half), upper=CONTEXT.add(outturn, half))


def shifted_code(code: str, years: int) -> str:
    """The same period `years` financial years later: 2025-04 -> 2026-04, 2025-26-Q1 ->
    2026-27-Q1, 2025-26 -> 2026-27."""
    spec = calendar.parse_period(code)
    start = spec.start_year + years
    if spec.kind is PeriodKind.YEAR:
        return calendar.financial_year_code(start)
    if spec.kind is PeriodKind.QUARTER:
        return f"{calendar.financial_year_code(start)}-Q{spec.quarter}"
    return f"{spec.start_date.year + years:04d}-{spec.start_date.month:02d}"


def rolled_title(title: str, *, from_year: str, year: str) -> str:
    """A plan's title for the new year: its year label replaced, where it has one."""
    return title.replace(from_year, year) if from_year in title else title
