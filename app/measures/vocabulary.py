"""The words every domain shares about a measure: which way is good, how its periods combine,
what its values are, and the shapes of a target and a tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.measures.numbers import check_numbers
from app.periods.calendar import PeriodKind


class Polarity(StrEnum):
    """Which way is good for an indicator."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    WITHIN_RANGE = "within_range"
    NONE = "none"


class Rag(StrEnum):
    """A measure's status for one period."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    DATA_ONLY = "data_only"
    MISSING = "missing"


class ToleranceUnit(StrEnum):
    """Whether tolerance thresholds are a percentage of the target or in the indicator's unit."""

    PERCENT = "percent"
    ABSOLUTE = "absolute"


class Direction(StrEnum):
    """Direction of travel against an earlier period."""

    IMPROVING = "improving"
    WORSENING = "worsening"
    NO_CHANGE = "no_change"
    INCREASING = "increasing"
    DECREASING = "decreasing"
    NOT_AVAILABLE = "not_available"


class Aggregation(StrEnum):
    """How an indicator's periods combine."""

    SUM = "sum"
    MEAN = "mean"
    LATEST = "latest"
    RATIO = "ratio"
    MAX = "max"
    MIN = "min"


class ValueType(StrEnum):
    NUMBER = "number"
    PERCENTAGE = "percentage"
    CURRENCY = "currency"
    COUNT = "count"
    RATIO = "ratio"
    TIME = "time"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class ValueStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class QualityFlag(StrEnum):
    ESTIMATED = "estimated"
    PROVISIONAL = "provisional"
    REVISED = "revised"
    INCOMPLETE = "incomplete"


# The period kind an indicator's values belong to, and the kinds its targets may be set for.
VALUE_KIND = {
    Frequency.MONTHLY: PeriodKind.MONTH,
    Frequency.QUARTERLY: PeriodKind.QUARTER,
    Frequency.ANNUAL: PeriodKind.YEAR,
}
TARGET_KINDS = {
    Frequency.MONTHLY: (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR),
    Frequency.QUARTERLY: (PeriodKind.QUARTER, PeriodKind.YEAR),
    Frequency.ANNUAL: (PeriodKind.YEAR,),
}


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far short of target a measure may fall and still be green or amber."""

    unit: ToleranceUnit
    green_within: Decimal
    amber_within: Decimal

    def __post_init__(self) -> None:
        check_numbers(green_within=self.green_within, amber_within=self.amber_within)
        if self.green_within < 0 or self.amber_within < 0:
            raise ValueError("tolerance thresholds must not be negative")
        if self.green_within > self.amber_within:
            raise ValueError("green_within must not exceed amber_within")


@dataclass(frozen=True, slots=True)
class Target:
    """A period's target: a point (value) or a band (lower and/or upper), with an optional floor."""

    value: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    floor: Decimal | None = None

    def __post_init__(self) -> None:
        check_numbers(value=self.value, lower=self.lower, upper=self.upper, floor=self.floor)
        if self.value is not None and (self.lower is not None or self.upper is not None):
            raise ValueError("a target is a point (value) or a band (lower/upper), not both")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError("a band's lower bound must not exceed its upper bound")
        # A floor is a minimum standard below a point target; with no point there is nothing
        # for it to sit below, and a band already says what is acceptable.
        if self.floor is not None and self.value is None:
            raise ValueError("a floor needs a point target (value)")

    @classmethod
    def known(
        cls,
        value: Decimal | None = None,
        lower: Decimal | None = None,
        upper: Decimal | None = None,
        floor: Decimal | None = None,
    ) -> Target:
        """A target already known to be valid, made without the checks: a row read back from
        the ``target`` table (every one went in through ``Target``'s checks or the schemas' and
        is typed exact by ``ExactDecimal``), or one combined from such targets. Never for
        figures from anyone but this service's own database and arithmetic."""
        target = _new_target(cls)
        _set_value(target, value)
        _set_lower(target, lower)
        _set_upper(target, upper)
        _set_floor(target, floor)
        return target


# The slots' own setters, round the frozen dataclass's __setattr__ (``Target.known``).
_new_target = object.__new__
_set_value = Target.__dict__["value"].__set__
_set_lower = Target.__dict__["lower"].__set__
_set_upper = Target.__dict__["upper"].__set__
_set_floor = Target.__dict__["floor"].__set__
