"""What a figure may be: the indicator's own `min_value` / `max_value`, else what its value type
allows (a percentage 0-100, a count or a time 0 or more, anything for the other types).

Each side stands on its own: a percentage that sets only `max_value` (a growth rate up to 300)
keeps 0 as its minimum. Pure functions, shared by single values, bulk pushes and targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.measures.vocabulary import ValueType

DEFAULT_RANGE: dict[ValueType, tuple[Decimal | None, Decimal | None]] = {
    ValueType.PERCENTAGE: (Decimal(0), Decimal(100)),
    ValueType.COUNT: (Decimal(0), None),
    ValueType.TIME: (Decimal(0), None),
}


@dataclass(frozen=True)
class Bound:
    limit: Decimal
    own: bool  # set on the indicator, rather than the value type's default


@dataclass(frozen=True)
class Range:
    value_type: ValueType
    lower: Bound | None
    upper: Bound | None


def range_of(
    *, value_type: ValueType, min_value: Decimal | None, max_value: Decimal | None
) -> Range:
    default_lower, default_upper = DEFAULT_RANGE.get(value_type, (None, None))
    return Range(
        value_type=value_type,
        lower=_bound(min_value, default_lower),
        upper=_bound(max_value, default_upper),
    )


def _bound(own: Decimal | None, default: Decimal | None) -> Bound | None:
    if own is not None:
        return Bound(own, own=True)
    return None if default is None else Bound(default, own=False)


def _default_rule(value_type: ValueType) -> str:
    lower, upper = DEFAULT_RANGE[value_type]
    allowed = f"between {lower} and {upper}" if upper is not None else f"{lower} or more"
    return f"a {value_type.value} is {allowed} unless the indicator sets min_value and max_value"


@dataclass(frozen=True)
class Breach:
    bound: str  # "min_value" or "max_value"
    kind: str  # the error's type
    msg: str


def breach(number: Decimal, allowed: Range, *, what: str = "value") -> Breach | None:
    """Why `number` (named `what` in the message) is outside the range, or None when inside."""
    if allowed.lower is not None and number < allowed.lower.limit:
        return Breach("min_value", "below_min_value", _message(number, allowed, what, "min"))
    if allowed.upper is not None and number > allowed.upper.limit:
        return Breach("max_value", "above_max_value", _message(number, allowed, what, "max"))
    return None


def _message(number: Decimal, allowed: Range, what: str, side: str) -> str:
    bound = allowed.lower if side == "min" else allowed.upper
    assert bound is not None
    relation = "below the minimum" if side == "min" else "above the maximum"
    if bound.own:
        return f"{what} {number} is {relation} of {bound.limit} (the indicator's {side}_value)"
    return f"{what} {number} is {relation} of {bound.limit} ({_default_rule(allowed.value_type)})"


def empty_range(allowed: Range) -> Breach | None:
    """Why a range allows nothing (its minimum above its maximum), or None when it is sound."""
    lower, upper = allowed.lower, allowed.upper
    if lower is None or upper is None or lower.limit <= upper.limit:
        return None
    if upper.own:
        return Breach(
            "max_value",
            "max_below_min",
            f"max_value {upper.limit} is below the minimum of {lower.limit}"
            + (" (min_value)" if lower.own else f" ({_default_rule(allowed.value_type)})"),
        )
    return Breach(
        "min_value",
        "min_above_max",
        f"min_value {lower.limit} is above the maximum of {upper.limit} "
        f"({_default_rule(allowed.value_type)}); set max_value as well",
    )
