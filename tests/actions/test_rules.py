"""The action RAG: percent complete against the share of the action's time gone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.actions.models import ActionStatus
from app.actions.rules import (
    ActionRag,
    RagThresholds,
    action_rag,
    expected_percent,
    expected_progress,
    is_overdue,
)

GREEN, AMBER, RED = ActionRag.GREEN, ActionRag.AMBER, ActionRag.RED
NOT_STARTED, IN_PROGRESS = ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS
COMPLETED, CANCELLED = ActionStatus.COMPLETED, ActionStatus.CANCELLED

START = date(2025, 1, 1)
DUE = START + timedelta(days=100)  # one day is one percent of the time
HALFWAY = START + timedelta(days=50)


def rag(
    percent: int,
    today: date,
    *,
    status: ActionStatus = IN_PROGRESS,
    start: date = START,
    due: date = DUE,
    thresholds: RagThresholds | None = None,
) -> ActionRag | None:
    return action_rag(
        status=status,
        percent_complete=percent,
        start_date=start,
        due_date=due,
        today=today,
        thresholds=thresholds or RagThresholds(),
    )


# --- expected progress ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (START - timedelta(days=1), Fraction(0)),
        (START, Fraction(0)),
        (START + timedelta(days=1), Fraction(1, 100)),
        (HALFWAY, Fraction(1, 2)),
        (DUE - timedelta(days=1), Fraction(99, 100)),
        (DUE, Fraction(1)),
        (DUE + timedelta(days=30), Fraction(1)),
    ],
    ids=["before-start", "start", "day-one", "halfway", "day-before-due", "due", "after-due"],
)
def test_expected_progress_is_the_share_of_time_gone_clamped_to_0_and_1(
    today: date, expected: Fraction
) -> None:
    assert expected_progress(start_date=START, due_date=DUE, today=today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (START - timedelta(days=1), Fraction(0)),
        (START, Fraction(1)),
        (START + timedelta(days=1), Fraction(1)),
    ],
    ids=["before-the-day", "on-the-day", "after-it"],
)
def test_an_action_due_the_day_it_starts_is_all_expected_once_that_day_comes(
    today: date, expected: Fraction
) -> None:
    assert expected_progress(start_date=START, due_date=START, today=today) == expected


@pytest.mark.parametrize(
    ("days_gone", "percent"),
    [(0, "0.0"), (1, "33.3"), (2, "66.7"), (3, "100.0"), (9, "100.0")],
)
def test_expected_percent_is_rounded_half_up_to_one_decimal_place(
    days_gone: int, percent: str
) -> None:
    due = START + timedelta(days=3)

    shown = expected_percent(start_date=START, due_date=due, today=START + timedelta(days_gone))

    assert shown == Decimal(percent)


# --- overdue --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        (IN_PROGRESS, DUE, False),
        (IN_PROGRESS, DUE + timedelta(days=1), True),
        (NOT_STARTED, DUE + timedelta(days=1), True),
        (COMPLETED, DUE + timedelta(days=1), False),
        (CANCELLED, DUE + timedelta(days=1), False),
        (NOT_STARTED, START - timedelta(days=1), False),
    ],
    ids=["on-due-date", "day-after", "never-started", "completed", "cancelled", "not-begun"],
)
def test_overdue_means_past_due_and_neither_completed_nor_cancelled(
    status: ActionStatus, today: date, overdue: bool
) -> None:
    assert is_overdue(status=status, due_date=DUE, today=today) is overdue


# --- the RAG --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (100, GREEN),
        (50, GREEN),
        (46, GREEN),
        (45, GREEN),  # exactly 90% of the 50% expected: on track
        (44, AMBER),
        (36, AMBER),
        (35, AMBER),  # exactly 70% of the expected: not yet red
        (34, RED),
        (0, RED),
    ],
)
def test_halfway_through_green_is_at_least_90_percent_of_expected_and_red_below_70(
    percent: int, expected: ActionRag
) -> None:
    assert rag(percent, HALFWAY) is expected


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(100, GREEN), (90, GREEN), (89, AMBER), (70, AMBER), (69, RED), (0, RED)],
)
def test_on_its_due_date_an_action_is_judged_against_all_of_its_time(
    percent: int, expected: ActionRag
) -> None:
    assert rag(percent, DUE) is expected


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(30, GREEN), (29, AMBER), (24, AMBER), (23, RED)],
)
def test_boundaries_are_exact_when_the_expected_share_does_not_divide_evenly(
    percent: int, expected: ActionRag
) -> None:
    # A third of the time gone: 90% of 33.33...% is exactly 30%, 70% of it is 23.33...%.
    due = START + timedelta(days=3)

    assert rag(percent, START + timedelta(days=1), due=due) is expected


@pytest.mark.parametrize("status", [NOT_STARTED, IN_PROGRESS])
@pytest.mark.parametrize("percent", [0, 50, 99])
def test_an_overdue_action_that_is_not_complete_is_red(status: ActionStatus, percent: int) -> None:
    assert rag(percent, DUE + timedelta(days=1), status=status) is RED


@pytest.mark.parametrize("percent", [0, 10])
@pytest.mark.parametrize("status", [NOT_STARTED, IN_PROGRESS])
def test_an_action_whose_start_date_has_not_come_is_green(
    status: ActionStatus, percent: int
) -> None:
    assert rag(percent, START - timedelta(days=1), status=status) is GREEN


def test_on_its_first_day_nothing_is_expected_yet_so_it_is_green() -> None:
    assert rag(0, START, status=NOT_STARTED) is GREEN


def test_a_started_action_with_no_progress_once_time_has_gone_is_red() -> None:
    assert rag(0, START + timedelta(days=1), status=NOT_STARTED) is RED


@pytest.mark.parametrize(
    "today", [START - timedelta(days=1), HALFWAY, DUE, DUE + timedelta(days=365)]
)
@pytest.mark.parametrize("percent", [0, 100])
def test_a_completed_action_is_green_whenever_and_however_complete(
    today: date, percent: int
) -> None:
    assert rag(percent, today, status=COMPLETED) is GREEN


@pytest.mark.parametrize(
    "today", [START - timedelta(days=1), HALFWAY, DUE, DUE + timedelta(days=365)]
)
def test_a_cancelled_action_has_no_rag(today: date) -> None:
    assert rag(0, today, status=CANCELLED) is None


@pytest.mark.parametrize(
    ("today", "percent", "expected"),
    [
        (START - timedelta(days=1), 0, GREEN),
        (START, 90, GREEN),
        (START, 89, AMBER),
        (START, 70, AMBER),
        (START, 69, RED),
        (START + timedelta(days=1), 100, RED),
    ],
    ids=["before", "on-90", "on-89", "on-70", "on-69", "after-is-overdue"],
)
def test_an_action_due_the_day_it_starts_expects_everything_that_day(
    today: date, percent: int, expected: ActionRag
) -> None:
    assert rag(percent, today, start=START, due=START) is expected


@pytest.mark.parametrize(
    ("thresholds", "percent", "expected"),
    [
        (RagThresholds(on_track_at=Decimal(100), red_below=Decimal(50)), 50, GREEN),
        (RagThresholds(on_track_at=Decimal(100), red_below=Decimal(50)), 49, AMBER),
        (RagThresholds(on_track_at=Decimal(100), red_below=Decimal(50)), 25, AMBER),
        (RagThresholds(on_track_at=Decimal(100), red_below=Decimal(50)), 24, RED),
        (RagThresholds(on_track_at=Decimal(80), red_below=Decimal(80)), 40, GREEN),
        (RagThresholds(on_track_at=Decimal(80), red_below=Decimal(80)), 39, RED),
        (RagThresholds(on_track_at=Decimal("92.5"), red_below=Decimal(0)), 47, GREEN),
        (RagThresholds(on_track_at=Decimal("92.5"), red_below=Decimal(0)), 46, AMBER),
        (RagThresholds(on_track_at=Decimal("92.5"), red_below=Decimal(0)), 0, AMBER),
        (RagThresholds(on_track_at=Decimal(0), red_below=Decimal(0)), 0, GREEN),
    ],
    ids=[
        "strict-on",
        "strict-below",
        "strict-amber-at-red-line",
        "strict-red",
        "no-amber-band-green",
        "no-amber-band-red",
        "fractional-green",
        "fractional-amber",
        "never-red-by-time",
        "always-green-by-time",
    ],
)
def test_the_thresholds_are_settings_not_constants(
    thresholds: RagThresholds, percent: int, expected: ActionRag
) -> None:
    assert rag(percent, HALFWAY, thresholds=thresholds) is expected


_ORDER = {RED: 0, AMBER: 1, GREEN: 2}


@given(
    span=st.integers(min_value=0, max_value=400),
    offset=st.integers(min_value=-30, max_value=430),
    lower=st.integers(min_value=0, max_value=100),
    extra=st.integers(min_value=0, max_value=100),
    red_below=st.integers(min_value=0, max_value=100),
    gap=st.integers(min_value=0, max_value=100),
)
def test_more_progress_never_makes_an_open_action_look_worse(
    span: int, offset: int, lower: int, extra: int, red_below: int, gap: int
) -> None:
    thresholds = RagThresholds(
        on_track_at=Decimal(min(red_below + gap, 100)), red_below=Decimal(red_below)
    )
    due = START + timedelta(days=span)
    today = START + timedelta(days=offset)
    higher = min(lower + extra, 100)

    less = rag(lower, today, due=due, thresholds=thresholds)
    more = rag(higher, today, due=due, thresholds=thresholds)

    assert less is not None
    assert more is not None
    assert _ORDER[more] >= _ORDER[less]
