"""The reporting cycle: who has entered what for a period, and what each person must do next."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.clock import today
from app.cycle.repository import CycleRepository
from app.cycle.schemas import Counts, PeriodProgress, Task, TaskAction, UnitProgress
from app.indicators import policy
from app.indicators.models import IndicatorValue
from app.measures.vocabulary import VALUE_KIND, ValueStatus
from app.org.tree import OrgTree
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.models import Period
from app.periods.schemas import Outstanding, OutstandingState, PeriodClose, PeriodRead
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

    async def outstanding(self, *, periods: Sequence[Period]) -> list[Outstanding]:
        """What stops these periods closing cleanly: each active measure's figure still in
        draft, submitted or rejected, or not entered, by period and indicator code."""
        found: list[Outstanding] = []
        for kind in PeriodKind:
            ids = [period.id for period in periods if period.kind is kind]
            if not ids:
                continue
            rows = await self.repository.not_approved(period_ids=ids, frequency=_FREQUENCY_OF[kind])
            found += [
                Outstanding(
                    period=period_code,
                    indicator_code=indicator_code,
                    state=OutstandingState(status.value) if status else OutstandingState.MISSING,
                )
                for period_code, indicator_code, status in rows
            ]
        order = {period.code: (period.start_date, period.end_date) for period in periods}
        found.sort(key=lambda item: (order[item.period], item.indicator_code))
        return found

    async def close_period(
        self, *, principal: Principal, code: str, data: PeriodClose
    ) -> tuple[PeriodRead, int]:
        """Close a period (and, with include_children, its quarters and months), refused while
        figures are outstanding unless forced with a reason."""
        periods = PeriodService(self.session)
        closing = await periods.closing(code=code, include_children=data.include_children)
        return await periods.close(
            principal=principal,
            code=code,
            include_children=data.include_children,
            outstanding=await self.outstanding(periods=closing),
            force=data.force,
            reason=data.reason,
        )

    async def tasks(
        self,
        *,
        principal: Principal,
        period: str | None,
        kind: TaskAction | PeriodKind | None,
        overdue: bool | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Task], int]:
        """One page of what the caller must enter, revise, submit or approve in open periods,
        most urgent first, and how many there are. `period` takes a period and those within it;
        `kind` a task's action or a period kind."""
        every = await self._tasks(principal=principal, period=period)
        chosen = [
            task
            for task in every
            if (kind is None or kind in (task.action, task.period_kind))
            and (overdue is None or task.overdue is overdue)
        ]
        return chosen[offset : offset + limit], len(chosen)

    async def _tasks(self, *, principal: Principal, period: str | None) -> list[Task]:
        codes = None
        if period is not None:
            # A period the caller names must exist (404), even when it is not open.
            await PeriodService(self.session).get(code=period)
            codes = [period, *_descendants(period)]
        periods = await self.repository.open_periods(codes=codes)
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
            # An open period is open for entry: the coming period's entries show as soon as
            # the performance team opens it, even before it has ended.
            for open_period in periods:
                if open_period.kind is not kind:
                    continue
                value = held.get((indicator.id, open_period.id))
                action = _action(principal, value, may_enter=may_enter, may_approve=may_approve)
                if action is None:
                    continue
                tasks.append(
                    Task(
                        action=action,
                        indicator_code=indicator.code,
                        indicator_title=indicator.title,
                        org_unit_code=indicator.org_unit.code,
                        period=open_period.code,
                        period_kind=open_period.kind,
                        due_date=open_period.data_due_date,
                        overdue=open_period.data_due_date < now,
                        value_status=value.status if value else None,
                    )
                )
        tasks.sort(
            key=lambda t: (t.due_date, t.action != TaskAction.APPROVE, t.indicator_code, t.period)
        )
        return tasks


def _descendants(code: str) -> list[str]:
    codes: list[str] = []
    for child in calendar.children(code):
        codes += [child, *calendar.children(child)]
    return codes


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
