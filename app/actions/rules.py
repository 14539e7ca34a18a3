"""Time-based RAG for an action (Camms style): percent complete against the share of its time
gone. Pure functions, no I/O, so reports, exports and the CLI judge actions the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from app.actions.models import ActionStatus


class ActionRag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class RagThresholds:
    """Percentages of the expected progress: at or above `on_track_at` is green, below
    `red_below` is red, in between amber. A council-wide setting, never a constant in code."""

    on_track_at: Decimal = Decimal(90)
    red_below: Decimal = Decimal(70)


DEFAULT_THRESHOLDS = RagThresholds()

CLOSED = frozenset({ActionStatus.COMPLETED, ActionStatus.CANCELLED})


def runs_from(*, start_date: date | None, created_at: datetime) -> date:
    """Where the action's time starts: its start date, else the day it was added."""
    return start_date if start_date is not None else created_at.date()


def is_overdue(*, status: ActionStatus, due_date: date, today: date) -> bool:
    """Past its due date and neither completed nor cancelled."""
    return status not in CLOSED and today > due_date


def expected_progress(*, start_date: date, due_date: date, today: date) -> Fraction:
    """The share of the action's time gone, 0 to 1, exactly.

    An action due the day it starts (or, from bad data, before it) is all due once that day
    comes.
    """
    if today < start_date:
        return Fraction(0)
    if due_date <= start_date:
        return Fraction(1)
    gone = Fraction((today - start_date).days, (due_date - start_date).days)
    return min(gone, Fraction(1))


def expected_percent(*, start_date: date, due_date: date, today: date) -> Decimal:
    """The expected progress as a percentage, to one decimal place (half up)."""
    share = expected_progress(start_date=start_date, due_date=due_date, today=today) * 100
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def action_rag(
    *,
    status: ActionStatus,
    percent_complete: int,
    start_date: date,
    due_date: date,
    today: date,
    thresholds: RagThresholds = DEFAULT_THRESHOLDS,
) -> ActionRag | None:
    """Green, amber or red for an action; None for a cancelled one (nothing to judge)."""
    if status is ActionStatus.COMPLETED:
        return ActionRag.GREEN
    if status is ActionStatus.CANCELLED:
        return None
    if today > due_date:
        return ActionRag.RED
    if today < start_date:
        return ActionRag.GREEN
    # Compared as exact fractions, so a boundary (exactly 90% of the expected) never wobbles.
    expected = expected_progress(start_date=start_date, due_date=due_date, today=today) * 100
    done = Fraction(percent_complete)
    if done >= Fraction(thresholds.on_track_at) / 100 * expected:
        return ActionRag.GREEN
    if done < Fraction(thresholds.red_below) / 100 * expected:
        return ActionRag.RED
    return ActionRag.AMBER
