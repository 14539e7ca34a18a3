"""Reporting-calendar rules: codes, financial years, navigation, working days and due dates."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.periods import calendar
from app.periods.calendar import (
    InvalidPeriodCode,
    PeriodKind,
    PeriodSpec,
    add_working_days,
    board_date,
    children,
    data_due_date,
    financial_year_code,
    financial_year_of,
    financial_year_periods,
    is_working_day,
    months_in,
    parse_period,
    period_containing,
    periods_to_date,
    previous_period,
    same_period_last_year,
)

Y, Q, M = PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH

FY_2025_26 = [
    ("2025-26", Y, date(2025, 4, 1), date(2026, 3, 31), None),
    ("2025-26-Q1", Q, date(2025, 4, 1), date(2025, 6, 30), 1),
    ("2025-26-Q2", Q, date(2025, 7, 1), date(2025, 9, 30), 2),
    ("2025-26-Q3", Q, date(2025, 10, 1), date(2025, 12, 31), 3),
    ("2025-26-Q4", Q, date(2026, 1, 1), date(2026, 3, 31), 4),
    ("2025-04", M, date(2025, 4, 1), date(2025, 4, 30), 1),
    ("2025-05", M, date(2025, 5, 1), date(2025, 5, 31), 1),
    ("2025-06", M, date(2025, 6, 1), date(2025, 6, 30), 1),
    ("2025-07", M, date(2025, 7, 1), date(2025, 7, 31), 2),
    ("2025-08", M, date(2025, 8, 1), date(2025, 8, 31), 2),
    ("2025-09", M, date(2025, 9, 1), date(2025, 9, 30), 2),
    ("2025-10", M, date(2025, 10, 1), date(2025, 10, 31), 3),
    ("2025-11", M, date(2025, 11, 1), date(2025, 11, 30), 3),
    ("2025-12", M, date(2025, 12, 1), date(2025, 12, 31), 3),
    ("2026-01", M, date(2026, 1, 1), date(2026, 1, 31), 4),
    ("2026-02", M, date(2026, 2, 1), date(2026, 2, 28), 4),
    ("2026-03", M, date(2026, 3, 1), date(2026, 3, 31), 4),
]


def _working_days_between(after: date, up_to: date) -> list[date]:
    """Working days in (after, up_to], counted independently of add_working_days."""
    days = (after + timedelta(days=offset) for offset in range(1, (up_to - after).days + 1))
    return [day for day in days if is_working_day(day)]


# --- financial years and their periods -------------------------------------------------------


@pytest.mark.parametrize(
    ("start_year", "expected"),
    [(2025, "2025-26"), (2024, "2024-25"), (2099, "2099-00"), (2000, "2000-01"), (1999, "1999-00")],
    ids=["typical", "previous", "century-rollover", "century-start", "pre-2000"],
)
def test_financial_year_code_is_start_year_and_next_two_digits(
    start_year: int, expected: str
) -> None:
    assert financial_year_code(start_year) == expected


def test_financial_year_has_17_periods_in_reporting_order() -> None:
    periods = financial_year_periods(2025)

    assert [(p.code, p.kind, p.start_date, p.end_date, p.quarter) for p in periods] == FY_2025_26


def test_every_period_of_a_financial_year_belongs_to_it() -> None:
    periods = financial_year_periods(2025)

    assert {(p.start_year, p.financial_year) for p in periods} == {(2025, "2025-26")}


def test_february_ends_on_the_29th_in_a_leap_year() -> None:
    months = {p.code: p for p in financial_year_periods(2027)}

    assert months["2028-02"].end_date == date(2028, 2, 29)
    assert months["2027-28-Q4"].end_date == date(2028, 3, 31)


@pytest.mark.parametrize("start_year", [2012, 2024, 2025, 2027, 2050, 2098], ids=lambda y: f"fy{y}")
def test_months_tile_their_quarters_and_quarters_tile_the_year(start_year: int) -> None:
    year, *rest = financial_year_periods(start_year)
    quarters, months = rest[:4], rest[4:]
    groups = [(year, quarters)] + [(quarters[i], months[i * 3 : i * 3 + 3]) for i in range(4)]

    for whole, parts in groups:
        assert parts[0].start_date == whole.start_date
        assert parts[-1].end_date == whole.end_date
        for before, after in itertools.pairwise(parts):
            assert after.start_date == before.end_date + timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 4, 1), 2025),
        (date(2026, 3, 31), 2025),
        (date(2025, 3, 31), 2024),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2025),
    ],
    ids=["first-day", "last-day", "day-before-start", "december", "january"],
)
def test_financial_year_of_starts_on_1_april(day: date, expected: int) -> None:
    assert financial_year_of(day) == expected


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (date(2025, 4, 1), Y, "2025-26"),
        (date(2026, 3, 31), Y, "2025-26"),
        (date(2025, 3, 31), Y, "2024-25"),
        (date(2025, 6, 30), Q, "2025-26-Q1"),
        (date(2025, 7, 1), Q, "2025-26-Q2"),
        (date(2025, 12, 31), Q, "2025-26-Q3"),
        (date(2026, 2, 14), Q, "2025-26-Q4"),
        (date(2026, 1, 31), M, "2026-01"),
        (date(2028, 2, 29), M, "2028-02"),
    ],
    ids=[
        "year-first-day",
        "year-last-day",
        "year-before",
        "q1-last-day",
        "q2-first-day",
        "q3-last-day",
        "q4-in-next-calendar-year",
        "month",
        "leap-day",
    ],
)
def test_period_containing_a_day(day: date, kind: PeriodKind, expected: str) -> None:
    assert period_containing(day, kind=kind).code == expected


@pytest.mark.parametrize("kind", list(PeriodKind), ids=str)
def test_period_containing_every_day_of_a_leap_financial_year(kind: PeriodKind) -> None:
    day = date(2027, 4, 1)
    while day <= date(2028, 3, 31):
        spec = period_containing(day, kind=kind)
        assert spec.kind is kind
        assert spec.start_date <= day <= spec.end_date
        day += timedelta(days=1)


def test_period_containing_accepts_the_kind_as_a_plain_string() -> None:
    assert period_containing(date(2025, 5, 1), kind="quarter").code == "2025-26-Q1"  # type: ignore[arg-type]


def test_period_containing_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="week"):
        period_containing(date(2025, 5, 1), kind="week")  # type: ignore[arg-type]


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "start_date", "end_date", "quarter"),
    FY_2025_26,
    ids=[row[0] for row in FY_2025_26],
)
def test_parse_period_reads_every_code_of_a_year(
    code: str, kind: PeriodKind, start_date: date, end_date: date, quarter: int | None
) -> None:
    assert parse_period(code) == PeriodSpec(
        code=code, kind=kind, start_year=2025, start_date=start_date, end_date=end_date
    )
    assert parse_period(code).quarter == quarter


@pytest.mark.parametrize(
    ("code", "start_year", "end_date"),
    [
        ("2099-00", 2099, date(2100, 3, 31)),
        ("2099-00-Q4", 2099, date(2100, 3, 31)),
        ("1900-04", 1900, date(1900, 4, 30)),
        ("2999-12", 2999, date(2999, 12, 31)),
        ("2999-00-Q3", 2999, date(2999, 12, 31)),
    ],
    ids=["century-year", "century-quarter", "earliest-month", "latest-month", "latest-quarter"],
)
def test_parse_period_at_the_edges(code: str, start_year: int, end_date: date) -> None:
    spec = parse_period(code)

    assert (spec.code, spec.start_year, spec.end_date) == (code, start_year, end_date)


@pytest.mark.parametrize(
    "code",
    [
        "2025-27",
        "2025-25",
        "2025-26-Q5",
        "2025-26-Q0",
        "2025-26-q1",
        "2025-27-Q1",
        "2025-26Q1",
        "2025-26-Q",
        "2025-26-Q01",
        "2025-13",
        "2025-00",
        "2025-4",
        "2025-004",
        "25-26",
        "202526",
        "2025/26",
        "2025\u201326",
        " 2025-26",
        "2025-26 ",
        "2025-26\n",
        "2025-04\n",
        "",
        "FY2025-26",
        "\uff12\uff10\uff12\uff15-26",
        "\u0662\u0660\u0662\u0665-26",
        "1899-00",
        "1899-12",
        "3000-01",
        "3000-01-Q1",
        "2025-26-Q1-2025-04",
    ],
    ids=[
        "year-skips-a-year",
        "year-ends-before-start",
        "quarter-5",
        "quarter-0",
        "lowercase-q",
        "quarter-of-bad-year",
        "quarter-without-dash",
        "quarter-without-number",
        "quarter-zero-padded",
        "month-13",
        "month-00",
        "month-one-digit",
        "month-three-digits",
        "two-digit-year",
        "no-separator",
        "slash",
        "en-dash",
        "leading-space",
        "trailing-space",
        "trailing-newline-year",
        "trailing-newline-month",
        "empty",
        "prefix",
        "fullwidth-digits",
        "arabic-indic-digits",
        "year-before-1900",
        "month-before-1900",
        "month-after-2999",
        "quarter-after-2999",
        "two-codes",
    ],
)
def test_parse_period_rejects_anything_but_an_exact_code(code: str) -> None:
    with pytest.raises(InvalidPeriodCode, match="period code"):
        parse_period(code)


def test_invalid_period_code_is_a_value_error() -> None:
    assert issubclass(InvalidPeriodCode, ValueError)


@pytest.mark.parametrize("code", ["2010-11", "2011-12", "2000-01", "2100-01", "1900-01"], ids=str)
def test_parse_period_refuses_codes_that_are_both_a_year_and_a_month(code: str) -> None:
    with pytest.raises(InvalidPeriodCode, match="ambiguous"):
        parse_period(code)


@pytest.mark.parametrize("start_year", [1999, 2000, 2010, 2011, 2099], ids=lambda y: f"fy{y}")
def test_financial_years_with_ambiguous_codes_are_refused(start_year: int) -> None:
    # Creating these years would hand out a code that names two periods.
    with pytest.raises(InvalidPeriodCode, match="ambiguous"):
        financial_year_periods(start_year)


def test_every_produced_code_parses_back_to_its_period() -> None:
    for start_year in range(2012, 2099):
        for spec in financial_year_periods(start_year):
            assert parse_period(spec.code) == spec


# --- hierarchy and navigation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2025-26", ["2025-26-Q1", "2025-26-Q2", "2025-26-Q3", "2025-26-Q4"]),
        ("2025-26-Q1", ["2025-04", "2025-05", "2025-06"]),
        ("2025-26-Q3", ["2025-10", "2025-11", "2025-12"]),
        ("2025-26-Q4", ["2026-01", "2026-02", "2026-03"]),
        ("2025-04", []),
    ],
    ids=["year", "q1", "q3", "q4-next-calendar-year", "month"],
)
def test_children_are_the_next_level_down(code: str, expected: list[str]) -> None:
    assert children(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "2025-26",
            [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)],
        ),
        ("2025-26-Q2", ["2025-07", "2025-08", "2025-09"]),
        ("2025-26-Q4", ["2026-01", "2026-02", "2026-03"]),
        ("2026-02", ["2026-02"]),
    ],
    ids=["year", "quarter", "q4", "month"],
)
def test_months_in_a_period(code: str, expected: list[str]) -> None:
    assert months_in(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2025-26", "2024-25"),
        ("2100-01-Q1", "2099-00-Q4"),
        ("2025-26-Q1", "2024-25-Q4"),
        ("2025-26-Q2", "2025-26-Q1"),
        ("2025-26-Q4", "2025-26-Q3"),
        ("2025-04", "2025-03"),
        ("2026-01", "2025-12"),
        ("2025-12", "2025-11"),
        ("2028-03", "2028-02"),
    ],
    ids=[
        "year",
        "quarter-across-century",
        "q1-to-last-years-q4",
        "q2",
        "q4",
        "april-to-previous-year",
        "january-to-december",
        "december",
        "march-to-leap-february",
    ],
)
def test_previous_period_of_the_same_kind(code: str, expected: str) -> None:
    assert previous_period(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2025-26", "2024-25"),
        ("2000-01-Q1", "1999-00-Q1"),
        ("2025-26-Q2", "2024-25-Q2"),
        ("2025-26-Q4", "2024-25-Q4"),
        ("2025-07", "2024-07"),
        ("2026-01", "2025-01"),
        ("2025-04", "2024-04"),
    ],
    ids=["year", "quarter-across-century", "quarter", "q4", "month", "january", "april"],
)
def test_same_period_last_year(code: str, expected: str) -> None:
    assert same_period_last_year(code) == expected


@pytest.mark.parametrize(
    ("function", "code", "message"),
    [
        (previous_period, "2012-13", "ambiguous"),
        (previous_period, "2012-01", "ambiguous"),
        (children, "2011-12-Q3", "ambiguous"),
        (months_in, "2010-11-Q3", "ambiguous"),
        (periods_to_date, "2011-03", "ambiguous"),
        (previous_period, "1900-01-Q1", "not a period code"),
        (same_period_last_year, "1900-05", "not a period code"),
    ],
    ids=[
        "previous-year-2011-12",
        "previous-month-december-2011",
        "children-include-december-2011",
        "months-include-november-2010",
        "to-date-includes-november-2010",
        "previous-before-1900",
        "last-year-before-1900",
    ],
)
def test_navigation_never_hands_out_an_ambiguous_or_out_of_range_code(
    function: Callable[[str], object], code: str, message: str
) -> None:
    parse_period(code)  # the input itself is fine; only the answer would not be

    with pytest.raises(InvalidPeriodCode, match=message):
        function(code)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2025-26", ["2025-26"]),
        ("2025-26-Q1", ["2025-26-Q1"]),
        ("2025-26-Q3", ["2025-26-Q1", "2025-26-Q2", "2025-26-Q3"]),
        ("2025-26-Q4", ["2025-26-Q1", "2025-26-Q2", "2025-26-Q3", "2025-26-Q4"]),
        ("2025-04", ["2025-04"]),
        ("2025-06", ["2025-04", "2025-05", "2025-06"]),
        ("2026-02", months_in("2025-26")[:11]),
    ],
    ids=["year", "q1", "q3", "q4", "april", "june", "february-across-calendar-year"],
)
def test_periods_to_date_within_the_financial_year(code: str, expected: list[str]) -> None:
    assert periods_to_date(code) == expected


@pytest.mark.parametrize(
    "function",
    [children, months_in, previous_period, same_period_last_year, periods_to_date],
    ids=lambda f: f.__name__,
)
def test_navigation_rejects_invalid_codes(function: Callable[[str], object]) -> None:
    with pytest.raises(InvalidPeriodCode):
        function("2025-26-Q5")


# --- working days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 7, 1), True),
        (date(2025, 7, 5), False),
        (date(2025, 7, 6), False),
        (date(2025, 12, 25), False),
        (date(2025, 12, 26), False),
        (date(2026, 1, 1), False),
        (date(2026, 4, 3), False),
        (date(2026, 4, 6), False),
        (date(2026, 5, 4), False),
        (date(2026, 5, 25), False),
        (date(2026, 8, 31), False),
        (date(2026, 12, 28), False),
        (date(2022, 12, 27), False),
        (date(2022, 6, 3), False),
        (date(2022, 9, 19), False),
        (date(2023, 5, 8), False),
        (date(2024, 5, 8), True),
        (date(2025, 3, 17), True),
        (date(2025, 11, 30), False),
        (date(2025, 12, 24), True),
    ],
    ids=[
        "tuesday",
        "saturday",
        "sunday",
        "christmas",
        "boxing-day",
        "new-year",
        "good-friday",
        "easter-monday",
        "early-may",
        "spring",
        "summer",
        "boxing-day-substitute-monday",
        "christmas-substitute-tuesday",
        "platinum-jubilee",
        "queens-state-funeral",
        "coronation",
        "coronation-date-next-year",
        "st-patricks-day-is-northern-ireland-only",
        "st-andrews-day-sunday",
        "christmas-eve",
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


def test_bank_holidays_are_looked_up_once_per_year() -> None:
    calendar._bank_holidays.cache_clear()

    for _ in range(3):
        add_working_days(date(2025, 12, 1), n=30)

    info = calendar._bank_holidays.cache_info()
    assert info.currsize == 2  # 2025 and 2026
    assert info.misses == 2


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 7, 1), 0, date(2025, 7, 1)),
        (date(2025, 7, 5), 0, date(2025, 7, 5)),
        (date(2025, 7, 1), 1, date(2025, 7, 2)),
        (date(2025, 7, 4), 1, date(2025, 7, 7)),
        (date(2025, 7, 5), 1, date(2025, 7, 7)),
        (date(2025, 7, 6), 1, date(2025, 7, 7)),
        (date(2025, 7, 1), 5, date(2025, 7, 8)),
        (date(2025, 12, 24), 1, date(2025, 12, 29)),
    ],
    ids=[
        "zero-on-weekday",
        "zero-on-saturday-stays",
        "one",
        "friday-to-monday",
        "saturday-to-monday",
        "sunday-to-monday",
        "a-week",
        "christmas-eve-over-christmas",
    ],
)
def test_add_working_days_never_counts_the_start(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n=n) == expected


def test_add_working_days_rejects_a_negative_count() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_working_days(date(2025, 7, 1), n=-1)


DUE_DATES = [
    # (period end, working days, due date); each was counted by hand against the calendar.
    (date(2025, 6, 30), 10, date(2025, 7, 14)),  # Q1: two clear weeks, no holidays
    (date(2025, 9, 30), 10, date(2025, 10, 14)),  # Q2
    (date(2025, 12, 31), 10, date(2026, 1, 15)),  # Q3: 1 Jan is New Year's Day
    (date(2026, 3, 31), 10, date(2026, 4, 16)),  # Q4: Good Friday 3 Apr, Easter Monday 6 Apr
    (date(2025, 11, 30), 20, date(2025, 12, 30)),  # 25 and 26 Dec skipped
    (date(2023, 4, 30), 10, date(2023, 5, 16)),  # 1 May early May, 8 May coronation
    (date(2022, 8, 31), 15, date(2022, 9, 22)),  # 19 Sep 2022 state funeral
    (date(2025, 5, 31), 10, date(2025, 6, 13)),  # ends Saturday: count from Monday 2 June
    (date(2025, 8, 31), 10, date(2025, 9, 12)),  # ends Sunday
    (date(2026, 1, 31), 10, date(2026, 2, 13)),  # ends Saturday
    (date(2025, 4, 30), 10, date(2025, 5, 15)),  # 5 May early May bank holiday
    (date(2025, 6, 30), 0, date(2025, 6, 30)),  # zero: due on the end date
]
DUE_DATE_IDS = [
    "q1-plain",
    "q2-plain",
    "q3-new-year",
    "q4-easter",
    "christmas-20-days",
    "coronation-2023",
    "state-funeral-2022",
    "ends-saturday",
    "ends-sunday",
    "ends-saturday-january",
    "early-may",
    "zero-days",
]


@pytest.mark.parametrize(("end_date", "working_days", "expected"), DUE_DATES, ids=DUE_DATE_IDS)
def test_data_due_date(end_date: date, working_days: int, expected: date) -> None:
    assert data_due_date(end_date, working_days=working_days) == expected


@pytest.mark.parametrize(("end_date", "working_days", "due"), DUE_DATES, ids=DUE_DATE_IDS)
def test_due_date_is_exactly_n_working_days_by_counting(
    end_date: date, working_days: int, due: date
) -> None:
    counted = _working_days_between(end_date, due)

    assert len(counted) == working_days
    assert working_days == 0 or counted[-1] == due


def test_easter_2026_due_date_skips_both_holidays() -> None:
    counted = _working_days_between(date(2026, 3, 31), date(2026, 4, 16))

    assert counted == [
        date(2026, 4, 1),
        date(2026, 4, 2),
        # 3 April Good Friday, 4-5 weekend, 6 April Easter Monday
        date(2026, 4, 7),
        date(2026, 4, 8),
        date(2026, 4, 9),
        date(2026, 4, 10),
        date(2026, 4, 13),
        date(2026, 4, 14),
        date(2026, 4, 15),
        date(2026, 4, 16),
    ]


def test_data_due_date_defaults_to_10_working_days() -> None:
    assert data_due_date(date(2025, 6, 30)) == date(2025, 7, 14)


def test_every_due_date_of_a_year_is_a_working_day() -> None:
    for spec in financial_year_periods(2025):
        due = data_due_date(spec.end_date)
        assert is_working_day(due)
        assert len(_working_days_between(spec.end_date, due)) == 10


# --- Performance Board ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_date", "days", "expected"),
    [
        (date(2025, 6, 30), 21, date(2025, 7, 21)),
        (date(2025, 9, 30), 21, date(2025, 10, 21)),
        (date(2025, 12, 31), 21, date(2026, 1, 21)),
        (date(2026, 3, 31), 21, date(2026, 4, 21)),
        (date(2028, 2, 15), 21, date(2028, 3, 7)),
        (date(2025, 6, 30), 0, date(2025, 6, 30)),
        (date(2025, 6, 30), 28, date(2025, 7, 28)),
    ],
    ids=["q1", "q2", "q3-across-new-year", "q4", "across-leap-day", "zero", "custom"],
)
def test_board_date_is_calendar_days_after_the_quarter_end(
    end_date: date, days: int, expected: date
) -> None:
    assert board_date(end_date, days=days) == expected


def test_board_date_defaults_to_21_days() -> None:
    assert board_date(date(2025, 6, 30)) == date(2025, 7, 21)


def test_board_date_rejects_negative_days() -> None:
    with pytest.raises(ValueError, match="days must be >= 0"):
        board_date(date(2025, 6, 30), days=-1)
