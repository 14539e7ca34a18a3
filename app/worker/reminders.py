"""Reminders the worker derives from the calendar, each made once (its dedupe key): a figure
due within N working days, a figure overdue, an action overdue, a recommendation due within N
working days and a recommendation overdue."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from app.events.models import EventType
from app.periods.calendar import add_working_days
from app.worker.repository import WorkerRepository


def _event(
    event_type: EventType,
    *,
    key: str,
    title: str,
    data: dict[str, Any],
    recipients: list[uuid.UUID | None],
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "event_type": event_type.value,
        "payload": {"title": title, "body": title, "data": data},
        "recipient_ids": sorted({str(person) for person in recipients if person is not None}),
        "dedupe_key": key,
        "occurred_at": now,
        "dispatched_at": None,
    }


async def scan(repository: WorkerRepository, *, now: datetime, working_days: int) -> int:
    """Write the reminders that are due and not made before; how many were new."""
    today = now.date()
    horizon: date = add_working_days(today, n=working_days) if working_days else today
    candidates: list[dict[str, Any]] = []
    periods = await repository.open_periods()
    due_or_late = [period for period in periods if period.data_due_date <= horizon]
    pairs = await repository.figures_to_come(period_ids=[period.id for period in due_or_late])
    collectors = await repository.collectors(indicator_ids={indicator.id for indicator, _ in pairs})
    for indicator, period in pairs:
        overdue = period.data_due_date < today
        event_type = EventType.FIGURE_OVERDUE if overdue else EventType.FIGURE_DUE
        when = "was due" if overdue else "is due"
        candidates.append(
            _event(
                event_type,
                key=f"{event_type.value}:{indicator.id}:{period.id}",
                title=f"{indicator.code} {period.code} {when} on {period.data_due_date}",
                data={
                    "indicator_code": indicator.code,
                    "indicator_title": indicator.title,
                    "period": period.code,
                    "data_due_date": period.data_due_date.isoformat(),
                },
                recipients=[indicator.owner_id, *collectors.get(indicator.id, [])],
                now=now,
            )
        )
    for action in await repository.overdue_actions(today=today):
        # A rescheduled action that falls overdue again is news again.
        candidates.append(
            _event(
                EventType.ACTION_OVERDUE,
                key=f"{EventType.ACTION_OVERDUE.value}:{action.id}:{action.due_date}",
                title=f"Action overdue: {action.title} (due {action.due_date})",
                data={
                    "action_id": str(action.id),
                    "title": action.title,
                    "due_date": action.due_date.isoformat(),
                    "status": action.status.value,
                    "percent_complete": action.percent_complete,
                },
                recipients=[action.owner_id],
                now=now,
            )
        )
    for recommendation in await repository.recommendations_due(horizon=horizon):
        overdue = recommendation.due_date < today
        event_type = EventType.RECOMMENDATION_OVERDUE if overdue else EventType.RECOMMENDATION_DUE
        label = "Recommendation overdue" if overdue else "Recommendation due"
        # Keyed on the due date like an action: a new due date is news again.
        candidates.append(
            _event(
                event_type,
                key=f"{event_type.value}:{recommendation.id}:{recommendation.due_date}",
                title=(
                    f"{label}: {recommendation.reference} {recommendation.title}"
                    f" (due {recommendation.due_date})"
                ),
                data={
                    "recommendation_id": str(recommendation.id),
                    "reference": recommendation.reference,
                    "title": recommendation.title,
                    "due_date": recommendation.due_date.isoformat(),
                    "status": recommendation.status.value,
                    "priority": recommendation.priority.value,
                },
                recipients=[recommendation.owner_id],
                now=now,
            )
        )
    known = await repository.existing_keys(keys=[row["dedupe_key"] for row in candidates])
    new = [row for row in candidates if row["dedupe_key"] not in known]
    await repository.insert_once(rows=new)
    return len(new)
