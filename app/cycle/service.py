"""The reporting cycle: who has entered what for a period, and what each person must do next."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.permissions import Permission
from app.auth.principal import Principal
from app.core.clock import today
from app.cycle.schemas import Counts, PeriodProgress, Task, TaskAction, UnitProgress
from app.indicators import policy
from app.indicators.models import Indicator, IndicatorStatus, IndicatorValue, indicator_collector
from app.measures.vocabulary import VALUE_KIND, ValueStatus
from app.org.models import OrgUnit
from app.org.tree import OrgTree
from app.periods.models import Period, PeriodStatus
from app.periods.service import PeriodService

_FREQUENCY_OF = {kind: frequency for frequency, kind in VALUE_KIND.items()}


class CycleService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def progress(self, *, period_code: str) -> PeriodProgress:
        period = await PeriodService(self.session).get(period_code)
        units = (await self.session.scalars(select(OrgUnit))).all()
        tree = OrgTree({unit.id: unit.parent_id for unit in units})
        rows = await self.session.execute(
            select(Indicator.org_unit_id, IndicatorValue.status, IndicatorValue.is_late)
            .outerjoin(
                IndicatorValue,
                (IndicatorValue.indicator_id == Indicator.id)
                & (IndicatorValue.period_id == period.id),
            )
            .where(
                Indicator.status == IndicatorStatus.ACTIVE,
                Indicator.frequency == _FREQUENCY_OF[period.kind],
            )
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
        periods = (
            await self.session.scalars(select(Period).where(Period.status == PeriodStatus.OPEN))
        ).all()
        if not periods:
            return []
        indicators = await self._actionable_indicators(principal)
        if not indicators:
            return []
        by_id = {indicator.id: indicator for indicator in indicators}
        period_by_id = {period.id: period for period in periods}
        values = await self.session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id.in_(list(by_id)),
                IndicatorValue.period_id.in_(list(period_by_id)),
            )
        )
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

    async def _actionable_indicators(self, principal: Principal) -> Sequence[Indicator]:
        """Indicators the caller collects or owns, or may approve or enter for in scope."""
        query = select(Indicator).where(Indicator.status == IndicatorStatus.ACTIVE)
        conditions: list[ColumnElement[bool]] = []
        for permission in (Permission.VALUES_APPROVE, Permission.VALUES_WRITE):
            scope = principal.scope(permission)
            if scope.everywhere:
                conditions = []
                break
            if scope.unit_ids:
                conditions.append(Indicator.org_unit_id.in_(scope.unit_ids))
        else:
            collected = select(indicator_collector.c.indicator_id).where(
                indicator_collector.c.user_id == principal.id
            )
            conditions += [Indicator.owner_id == principal.id, Indicator.id.in_(collected)]
            query = query.where(or_(*conditions))
        rows = await self.session.scalars(
            query.options(
                selectinload(Indicator.org_unit), selectinload(Indicator.collectors)
            ).order_by(Indicator.code)
        )
        return rows.all()


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
