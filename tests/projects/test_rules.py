"""A project's RAG: derived from overdue milestones, unless its manager gave one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from app.projects.models import ProjectRag, ProjectStatus
from app.projects.rules import count_overdue, derived_rag, milestone_overdue, project_rag

TODAY = date(2025, 7, 1)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)
GREEN, AMBER, RED = ProjectRag.GREEN, ProjectRag.AMBER, ProjectRag.RED
OPEN_STATUSES = [ProjectStatus.NOT_STARTED, ProjectStatus.IN_PROGRESS, ProjectStatus.ON_HOLD]


@dataclass(frozen=True)
class Stone:
    due_date: date
    completed_date: date | None = None


LATE = Stone(YESTERDAY)
DONE_LATE = Stone(YESTERDAY - timedelta(days=10), completed_date=YESTERDAY)
DUE_TODAY = Stone(TODAY)
AHEAD = Stone(TOMORROW)


@pytest.mark.parametrize(
    ("milestone", "overdue"),
    [
        (LATE, True),
        (Stone(TODAY - timedelta(days=400)), True),
        (DONE_LATE, False),
        (Stone(YESTERDAY, completed_date=TODAY), False),
        (DUE_TODAY, False),
        (AHEAD, False),
    ],
    ids=["due-yesterday", "long-ago", "completed", "completed-today", "due-today", "ahead"],
)
def test_a_milestone_is_overdue_when_due_before_today_and_not_completed(
    milestone: Stone, overdue: bool
) -> None:
    assert (
        milestone_overdue(
            due_date=milestone.due_date, completed_date=milestone.completed_date, today=TODAY
        )
        is overdue
    )


@pytest.mark.parametrize(
    ("milestones", "count"),
    [
        ([], 0),
        ([AHEAD, DUE_TODAY, DONE_LATE], 0),
        ([LATE, AHEAD, DONE_LATE], 1),
        ([LATE, LATE, DUE_TODAY], 2),
        ([LATE, LATE, LATE, AHEAD], 3),
    ],
)
def test_overdue_milestones_are_counted(milestones: list[Stone], count: int) -> None:
    assert count_overdue(milestones, today=TODAY) == count


@pytest.mark.parametrize("status", OPEN_STATUSES)
@pytest.mark.parametrize(
    ("overdue", "expected"),
    [(0, GREEN), (1, AMBER), (2, RED), (3, RED), (12, RED)],
)
def test_none_overdue_is_green_one_amber_two_or_more_red(
    status: ProjectStatus, overdue: int, expected: ProjectRag
) -> None:
    assert derived_rag(status=status, overdue_milestones=overdue) is expected


@pytest.mark.parametrize("overdue", [0, 1, 2, 5])
def test_a_completed_project_is_green_whatever_its_milestones(overdue: int) -> None:
    assert derived_rag(status=ProjectStatus.COMPLETED, overdue_milestones=overdue) is GREEN


@pytest.mark.parametrize("overdue", [0, 1, 2, 5])
def test_a_cancelled_project_has_no_derived_rag(overdue: int) -> None:
    assert derived_rag(status=ProjectStatus.CANCELLED, overdue_milestones=overdue) is None


@pytest.mark.parametrize(
    ("manager", "derived", "shown"),
    [
        (None, GREEN, GREEN),
        (None, RED, RED),
        (None, None, None),
        (RED, GREEN, RED),
        (GREEN, RED, GREEN),
        (AMBER, None, AMBER),
    ],
)
def test_the_managers_rag_wins_where_given(
    manager: ProjectRag | None, derived: ProjectRag | None, shown: ProjectRag | None
) -> None:
    assert project_rag(manager_rag=manager, derived=derived) is shown
