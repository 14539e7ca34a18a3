"""A project's RAG derived from its milestones. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from app.projects.models import ProjectRag, ProjectStatus


class MilestoneDates(Protocol):
    @property
    def due_date(self) -> date: ...

    @property
    def completed_date(self) -> date | None: ...


def milestone_overdue(*, due_date: date, completed_date: date | None, today: date) -> bool:
    """Due before today and not completed."""
    return completed_date is None and due_date < today


def count_overdue(milestones: Iterable[MilestoneDates], *, today: date) -> int:
    return sum(
        milestone_overdue(due_date=m.due_date, completed_date=m.completed_date, today=today)
        for m in milestones
    )


def derived_rag(*, status: ProjectStatus, overdue_milestones: int) -> ProjectRag | None:
    """Green with no milestone overdue, amber with one, red with two or more; a completed
    project is green and a cancelled one has no RAG."""
    if status is ProjectStatus.CANCELLED:
        return None
    if status is ProjectStatus.COMPLETED or overdue_milestones == 0:
        return ProjectRag.GREEN
    if overdue_milestones == 1:
        return ProjectRag.AMBER
    return ProjectRag.RED


def project_rag(*, manager_rag: ProjectRag | None, derived: ProjectRag | None) -> ProjectRag | None:
    """The manager's assessment where they gave one, else the one derived from milestones."""
    return manager_rag if manager_rag is not None else derived
