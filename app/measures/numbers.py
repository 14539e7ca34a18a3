"""Exact arithmetic for measurements: one decimal context for every rule, and the checks and
rounding they share."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

# A fixed context rather than the caller's: results must not depend on whoever set the ambient
# precision, and 50 digits keeps the sums, subtractions and cross-multiplications of the rules
# exact for any realistic measurement. No rounding to decimal places happens in it: callers
# round a result to the indicator's places with ``quantize``.
CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def check_numbers(**numbers: Decimal | None) -> None:
    """Reject anything but finite Decimals, so a float or NaN fails loudly instead of spreading."""
    for name, number in numbers.items():
        # The common case first, in one test (a status computation makes tens of thousands
        # of checks); anything else, a Decimal subclass included, takes the full checks below.
        if number is None or (type(number) is Decimal and number.is_finite()):
            continue
        if not isinstance(number, Decimal):
            raise TypeError(f"{name} must be a Decimal, not {type(number).__name__}")
        if not number.is_finite():
            raise ValueError(f"{name} must be a finite number, not {number}")


def quantize(number: Decimal | None, places: int) -> Decimal | None:
    """``number`` rounded half up to ``places`` decimal places, as figures are published."""
    if number is None:
        return None
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-places)
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


# ``Decimal(1).scaleb(-places)`` (exact: one digit) made once per number of places: a status
# computation rounds tens of thousands of figures to the same few.
_QUANTA: dict[int, Decimal] = {}
