"""Where a council's figure stands among its comparators: the quartile rule, polarity-aware.

Comparator quartiles are statistical: lower_quartile <= national_median <= upper_quartile.
Which end is good depends on the indicator's polarity, so for higher_is_better a figure at or
above the upper quartile is in the top quartile, and for lower_is_better a figure at or below
the lower quartile is. A figure exactly on a quartile counts as reaching it (the better side),
as a figure exactly on a RAG threshold counts as within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.measures.vocabulary import Polarity


class QuartilePosition(StrEnum):
    TOP_QUARTILE = "top_quartile"
    UPPER_MIDDLE = "upper_middle"
    LOWER_MIDDLE = "lower_middle"
    BOTTOM_QUARTILE = "bottom_quartile"


# Quartile 1 is the best performing quarter of the comparators, 4 the worst.
QUARTILE_OF = {
    QuartilePosition.TOP_QUARTILE: 1,
    QuartilePosition.UPPER_MIDDLE: 2,
    QuartilePosition.LOWER_MIDDLE: 3,
    QuartilePosition.BOTTOM_QUARTILE: 4,
}


@dataclass(frozen=True, slots=True)
class Quartiles:
    lower: Decimal
    median: Decimal
    upper: Decimal

    def __post_init__(self) -> None:
        for name in ("lower", "median", "upper"):
            number = getattr(self, name)
            if not isinstance(number, Decimal):
                raise TypeError(f"{name} must be a Decimal, not {type(number).__name__}")
            if not number.is_finite():
                raise ValueError(f"{name} must be a finite number, not {number}")
        if not self.lower <= self.median <= self.upper:
            raise ValueError("quartiles must satisfy lower <= median <= upper")


def quartiles_of(
    *, lower: Decimal | None, median: Decimal | None, upper: Decimal | None
) -> Quartiles | None:
    """The three cut points, or None when any is unknown (no honest position without all)."""
    if lower is None or median is None or upper is None:
        return None
    return Quartiles(lower=lower, median=median, upper=upper)


def quartile_position(
    *, value: Decimal | None, quartiles: Quartiles | None, polarity: Polarity
) -> QuartilePosition | None:
    """The quarter of the comparators a figure falls in; None without a value, without all
    three quartiles, or for a polarity with no better end (none, within_range)."""
    if value is None or quartiles is None:
        return None
    if not isinstance(value, Decimal):
        raise TypeError(f"value must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"value must be a finite number, not {value}")
    if polarity is Polarity.HIGHER_IS_BETTER:
        if value >= quartiles.upper:
            return QuartilePosition.TOP_QUARTILE
        if value >= quartiles.median:
            return QuartilePosition.UPPER_MIDDLE
        if value >= quartiles.lower:
            return QuartilePosition.LOWER_MIDDLE
        return QuartilePosition.BOTTOM_QUARTILE
    if polarity is Polarity.LOWER_IS_BETTER:
        if value <= quartiles.lower:
            return QuartilePosition.TOP_QUARTILE
        if value <= quartiles.median:
            return QuartilePosition.UPPER_MIDDLE
        if value <= quartiles.upper:
            return QuartilePosition.LOWER_MIDDLE
        return QuartilePosition.BOTTOM_QUARTILE
    return None
