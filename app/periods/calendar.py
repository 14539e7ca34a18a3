"""Reporting-calendar rules: period codes, financial years, working days and due dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

MIN_YEAR = 1900
MAX_YEAR = 2999
DEFAULT_DUE_WORKING_DAYS = 10
DEFAULT_BOARD_DAYS = 21

FIRST_MONTH = 4  # the financial year starts in April
MONTHS_IN_YEAR = 12
MONTHS_IN_QUARTER = 3
QUARTERS_IN_YEAR = 4

# [0-9] rather than \d, which also matches non-ASCII digits (Arabic-Indic, fullwidth).
_YEAR_OR_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER_RE = re.compile(r"([0-9]{4})-([0-9]{2})-Q([1-4])")


class PeriodKind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


# Shortest first: a month lies within a quarter, a quarter within a year.
KIND_RANK = {PeriodKind.MONTH: 0, PeriodKind.QUARTER: 1, PeriodKind.YEAR: 2}


def is_within(finer: PeriodKind, coarser: PeriodKind) -> bool:
    """Periods of kind `finer` make up periods of kind `coarser` (or are the same kind)."""
    return KIND_RANK[finer] <= KIND_RANK[coarser]


class InvalidPeriodCode(ValueError):
    """A string that is not exactly one period code."""


@dataclass(frozen=True)
class PeriodSpec:
    """One reporting period: its code, kind, financial year and inclusive dates."""

    code: str
    kind: PeriodKind
    start_year: int
    start_date: date
    end_date: date

    @property
    def financial_year(self) -> str:
        """The financial year's code, e.g. '2025-26'."""
        return financial_year_code(self.start_year)

    @property
    def quarter(self) -> int | None:
        """The quarter (1-4) of a quarter or month; None for a year."""
        if self.kind is PeriodKind.YEAR:
            return None
        return _quarter_of_month(self.start_date.month)


def financial_year_code(start_year: int) -> str:
    """The code of the financial year starting in April of start_year, e.g. 2025 -> '2025-26'."""
    return f"{start_year:04d}-{(start_year + 1) % 100:02d}"


# Cached: reports parse the same few codes thousands of times a request.
@lru_cache(maxsize=4096)
def parse_period(code: str) -> PeriodSpec:
    """Parse a year, quarter or month code strictly; raise InvalidPeriodCode otherwise."""
    quarter_match = _QUARTER_RE.fullmatch(code)
    if quarter_match is not None:
        start_year = int(quarter_match[1])
        if not _is_year_code(start_year, quarter_match[2]):
            raise InvalidPeriodCode(f"not a period code: {code!r}")
        return _quarter_spec(start_year, int(quarter_match[3]))

    match = _YEAR_OR_MONTH_RE.fullmatch(code)
    if match is None:
        raise InvalidPeriodCode(f"not a period code: {code!r}")
    year, suffix = int(match[1]), match[2]
    is_year = _is_year_code(year, suffix)
    is_month = MIN_YEAR <= year <= MAX_YEAR and 1 <= int(suffix) <= MONTHS_IN_YEAR
    if is_year and is_month:
        # The two formats collide when the year's two-digit end is 01-12 (e.g. '2010-11' is both
        # the financial year 2010-11 and November 2010); guessing would file data in the wrong
        # period, so such codes are refused rather than read one way or the other.
        raise InvalidPeriodCode(f"ambiguous period code (a year or a month): {code!r}")
    if is_year:
        return _year_spec(year)
    if is_month:
        return _month_spec(year, int(suffix))
    raise InvalidPeriodCode(f"not a period code: {code!r}")


def financial_year_periods(start_year: int) -> list[PeriodSpec]:
    """The 17 periods of a financial year in reporting order: the year, Q1-Q4, April-March."""
    year = parse_period(financial_year_code(start_year))
    quarters = [parse_period(code) for code in children(year.code)]
    months = [parse_period(code) for code in months_in(year.code)]
    return [year, *quarters, *months]


def financial_year_of(day: date) -> int:
    """The start year of the financial year containing the day."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def period_containing(day: date, *, kind: PeriodKind) -> PeriodSpec:
    """The period of the given kind that contains the day."""
    kind = PeriodKind(kind)  # a plain string from a caller must not fall through to months
    start_year = financial_year_of(day)
    if kind is PeriodKind.YEAR:
        return parse_period(financial_year_code(start_year))
    if kind is PeriodKind.QUARTER:
        return parse_period(_quarter_code(start_year, _quarter_of_month(day.month)))
    return parse_period(_month_code(day.year, day.month))


def children(code: str) -> list[str]:
    """The next level down: a year's 4 quarters, a quarter's 3 months, none for a month."""
    return list(_children(code))


@lru_cache(maxsize=4096)
def _children(code: str) -> tuple[str, ...]:
    # Worked out once per code: a status computation asks for the same few thousands of times.
    spec = parse_period(code)
    if spec.kind is PeriodKind.YEAR:
        # Quarter codes carry '-Q', so a valid year's quarters can't be ambiguous or out of range.
        return tuple(_quarter_code(spec.start_year, q) for q in range(1, QUARTERS_IN_YEAR + 1))
    return tuple(months_in(code)) if spec.kind is PeriodKind.QUARTER else ()


def months_in(code: str) -> list[str]:
    """The month codes a period covers: 12 for a year, 3 for a quarter, itself for a month."""
    spec = parse_period(code)
    if spec.kind is PeriodKind.MONTH:
        return [spec.code]
    first = _month_offset(spec.start_date.month)
    count = MONTHS_IN_YEAR if spec.kind is PeriodKind.YEAR else MONTHS_IN_QUARTER
    return [
        _checked(_month_code(*_calendar_month(spec.start_year, offset)))
        for offset in range(first, first + count)
    ]


def previous_period(code: str) -> str:
    """The period of the same kind immediately before this one."""
    spec = parse_period(code)
    if spec.kind is PeriodKind.YEAR:
        return _checked(financial_year_code(spec.start_year - 1))
    if spec.kind is PeriodKind.QUARTER:
        quarter = _quarter_of_month(spec.start_date.month)
        if quarter == 1:
            return _checked(_quarter_code(spec.start_year - 1, QUARTERS_IN_YEAR))
        return _checked(_quarter_code(spec.start_year, quarter - 1))
    previous_month_end = spec.start_date - timedelta(days=1)
    return _checked(_month_code(previous_month_end.year, previous_month_end.month))


def same_period_last_year(code: str) -> str:
    """The period of the same kind one year earlier."""
    spec = parse_period(code)
    if spec.kind is PeriodKind.YEAR:
        return _checked(financial_year_code(spec.start_year - 1))
    if spec.kind is PeriodKind.QUARTER:
        return _checked(
            _quarter_code(spec.start_year - 1, _quarter_of_month(spec.start_date.month))
        )
    return _checked(_month_code(spec.start_date.year - 1, spec.start_date.month))


def periods_to_date(code: str) -> list[str]:
    """Periods of the same kind from the start of its financial year up to and including it."""
    spec = parse_period(code)
    if spec.kind is PeriodKind.YEAR:
        return [spec.code]
    if spec.kind is PeriodKind.QUARTER:
        return [
            _checked(_quarter_code(spec.start_year, q))
            for q in range(1, _quarter_of_month(spec.start_date.month) + 1)
        ]
    return [
        _checked(_month_code(*_calendar_month(spec.start_year, offset)))
        for offset in range(_month_offset(spec.start_date.month) + 1)
    ]


# Cached: a report asks these of the same few codes once per indicator.
@lru_cache(maxsize=4096)
def units_of(code: str, kind: PeriodKind) -> tuple[str, ...]:
    """The periods of `kind` that make up period `code` (itself when it is of that kind)."""
    spec = parse_period(code)
    if spec.kind is kind:
        return (code,)
    if kind is PeriodKind.MONTH:
        return tuple(months_in(code))
    if kind is PeriodKind.QUARTER and spec.kind is PeriodKind.YEAR:
        return tuple(children(code))
    raise ValueError(f"{code} is finer than a {kind.value}")


@lru_cache(maxsize=4096)
def units_to_date(code: str, kind: PeriodKind) -> tuple[str, ...]:
    """The periods of `kind` from the start of the financial year to the end of `code`."""
    return tuple(unit for period in periods_to_date(code) for unit in units_of(period, kind))


@lru_cache(maxsize=4096)
def quarter_of(code: str) -> str:
    """The quarter a month (or a quarter itself) falls in."""
    return period_containing(parse_period(code).start_date, kind=PeriodKind.QUARTER).code


def last_year_of(code: str) -> str | None:
    """The same period a year earlier; None where that has no code of its own (2011-12 reads
    as December 2011 too, so the year before 2012-13 cannot be named)."""
    try:
        return same_period_last_year(code)
    except InvalidPeriodCode:
        return None


def previous_of(code: str) -> str | None:
    """The period before, of the same kind; None where that has no code of its own."""
    try:
        return previous_period(code)
    except InvalidPeriodCode:
        return None


def is_working_day(day: date) -> bool:
    """True unless the day is a Saturday, Sunday or England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, *, n: int) -> date:
    """The n-th working day after start (start itself never counts); n = 0 returns start."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def data_due_date(end_date: date, *, working_days: int = DEFAULT_DUE_WORKING_DAYS) -> date:
    """The date data for a period ending on end_date is due."""
    return add_working_days(end_date, n=working_days)


def board_date(end_date: date, *, days: int = DEFAULT_BOARD_DAYS) -> date:
    """The Performance Board date for a quarter ending on end_date."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    return end_date + timedelta(days=days)


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in a calendar year, including one-off ones."""
    # England and Wales share one list, published under the ENG subdivision. Substitute days
    # ('observed') are included, which is what makes 27 December 2022 a non-working day.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def _is_year_code(start_year: int, suffix: str) -> bool:
    return MIN_YEAR <= start_year <= MAX_YEAR and suffix == f"{(start_year + 1) % 100:02d}"


def _quarter_code(start_year: int, quarter: int) -> str:
    return f"{financial_year_code(start_year)}-Q{quarter}"


def _month_code(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _checked(code: str) -> str:
    # Every code handed out must parse back, so callers never store one that later fails
    # (out of range, or ambiguous between a year and a month).
    return parse_period(code).code


def _month_offset(month: int) -> int:
    """Months since April: April 0 ... March 11."""
    return (month - FIRST_MONTH) % MONTHS_IN_YEAR


def _calendar_month(start_year: int, offset: int) -> tuple[int, int]:
    """The (calendar year, month) that is offset months after April of start_year."""
    index = FIRST_MONTH - 1 + offset
    return start_year + index // MONTHS_IN_YEAR, index % MONTHS_IN_YEAR + 1


def _month_end(year: int, month: int) -> date:
    year_after, month_after = (year + 1, 1) if month == MONTHS_IN_YEAR else (year, month + 1)
    return date(year_after, month_after, 1) - timedelta(days=1)


def _quarter_of_month(month: int) -> int:
    return _month_offset(month) // MONTHS_IN_QUARTER + 1


def _year_spec(start_year: int) -> PeriodSpec:
    return PeriodSpec(
        code=financial_year_code(start_year),
        kind=PeriodKind.YEAR,
        start_year=start_year,
        start_date=date(start_year, FIRST_MONTH, 1),
        end_date=_month_end(*_calendar_month(start_year, MONTHS_IN_YEAR - 1)),
    )


def _quarter_spec(start_year: int, quarter: int) -> PeriodSpec:
    first = (quarter - 1) * MONTHS_IN_QUARTER
    first_year, first_month = _calendar_month(start_year, first)
    return PeriodSpec(
        code=_quarter_code(start_year, quarter),
        kind=PeriodKind.QUARTER,
        start_year=start_year,
        start_date=date(first_year, first_month, 1),
        end_date=_month_end(*_calendar_month(start_year, first + MONTHS_IN_QUARTER - 1)),
    )


def _month_spec(year: int, month: int) -> PeriodSpec:
    start_date = date(year, month, 1)
    return PeriodSpec(
        code=_month_code(year, month),
        kind=PeriodKind.MONTH,
        start_year=financial_year_of(start_date),
        start_date=start_date,
        end_date=_month_end(year, month),
    )
