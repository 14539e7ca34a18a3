"""The reporting cycle: who has entered what for a period, and what each person must do next."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.core.clock import today
from app.cycle.repository import CycleRepository
from app.cycle.schemas import Counts, PeriodProgress, Task, TaskAction, UnitProgress
from app.indicators import policy
from app.indicators.models import IndicatorValue
from app.measures.vocabulary import VALUE_KIND, ValueStatus
from app.org.tree import OrgTree
from app.periods.service import PeriodService

_FREQUENCY_OF = {kind: frequency for frequency, kind in VALUE_KIND.items()}


class CycleService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CycleRepository(session)

    async def progress(self, *, period_code: str) -> PeriodProgress:
        period = await PeriodService(self.session).get(code=period_code)
        units = await self.repository.org_units()
        tree = OrgTree({unit.id: unit.parent_id for unit in units})
        rows = await self.repository.expected_values(
            period_id=period.id, frequency=_FREQUENCY_OF[period.kind]
        )
        due = period.data_due_date < today()
        own: dict[uuid.UUID, Counts] = defaultdict(Counts)
        for unit_id, status, is_late in rows:
            _count(own[unit_id], status, bool(is_late), due)
        codes = {unit.id: unit.code for unit in units}
        progress = []
        for unit in sorted(units, key=lambda u: (len(tree.ancestors(u.id)), u.code)):
            counts = Counts()
            for member in tree.subtree(unit.id):
                _add(counts, own.get(member))
            progress.append(
                UnitProgress(
                    org_unit_code=unit.code,
                    name=unit.name,
                    kind=unit.kind,
                    parent_code=codes.get(unit.parent_id) if unit.parent_id else None,
                    **counts.model_dump(),
                )
            )
        totals = Counts()
        for counts in own.values():
            _add(totals, counts)
        return PeriodProgress(
            period=period.code,
            data_due_date=period.data_due_date,
            totals=totals,
            org_units=progress,
        )

    async def tasks(self, *, principal: Principal) -> list[Task]:
        """What the caller must enter, revise, submit or approve in open periods, most urgent
        first."""
        periods = await self.repository.open_periods()
        if not periods:
            return []
        indicators = await self.repository.actionable_indicators(
            user_id=principal.id,
            scopes=[
                principal.scope(permission)
                for permission in (Permission.VALUES_APPROVE, Permission.VALUES_WRITE)
            ],
        )
        if not indicators:
            return []
        by_id = {indicator.id: indicator for indicator in indicators}
        period_by_id = {period.id: period for period in periods}
        values = await self.repository.values(indicator_ids=by_id, period_ids=period_by_id)
        held = {(value.indicator_id, value.period_id): value for value in values}
        now = today()
        tasks: list[Task] = []
        for indicator in indicators:
            # Entering is a task for the people who collect or own a measure; approvers could
            # enter anything in scope, but that is a power, not a to-do list.
            may_enter = policy.is_assigned(principal, indicator) and policy.may_enter(
                principal, indicator, Permission.VALUES_WRITE
            )
            may_approve = policy.may_approve(principal, indicator)
            kind = VALUE_KIND[indicator.frequency]
            for period in periods:
                if period.kind is not kind:
                    continue
                if period.end_date >= now and (indicator.id, period.id) not in held:
                    continue  # data for a period is entered once it has ended
                value = held.get((indicator.id, period.id))
                action = _action(principal, value, may_enter=may_enter, may_approve=may_approve)
                if action is None:
                    continue
                tasks.append(
                    Task(
                        action=action,
                        indicator_code=indicator.code,
                        indicator_title=indicator.title,
                        org_unit_code=indicator.org_unit.code,
                        period=period.code,
                        due_date=period.data_due_date,
                        overdue=period.data_due_date < now,
                        value_status=value.status if value else None,
                    )
                )
        tasks.sort(key=lambda t: (t.due_date, t.action != TaskAction.APPROVE, t.indicator_code))
        return tasks


def _action(
    principal: Principal, value: IndicatorValue | None, *, may_enter: bool, may_approve: bool
) -> TaskAction | None:
    if value is None:
        return TaskAction.ENTER if may_enter else None
    if value.status is ValueStatus.REJECTED:
        return TaskAction.REVISE if may_enter else None
    if value.status is ValueStatus.DRAFT:
        return TaskAction.SUBMIT if may_enter else None
    if value.status is ValueStatus.SUBMITTED and may_approve:
        return None if policy.approves_own_entry(principal, value) else TaskAction.APPROVE
    return None


def _count(counts: Counts, status: ValueStatus | None, is_late: bool, due: bool) -> None:
    counts.expected += 1
    if status is None:
        counts.outstanding += 1
        counts.missing += due
        return
    counts.entered += 1
    field = status.value
    setattr(counts, field, getattr(counts, field) + 1)
    counts.late += is_late


def _add(total: Counts, part: Counts | None) -> None:
    if part is None:
        return
    for field in Counts.model_fields:
        setattr(total, field, getattr(total, field) + getattr(part, field))
