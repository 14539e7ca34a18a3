"""Every statement of the rollover: a fixed number whatever the size of the council."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.core.bulk import bulk_insert, one_of
from app.indicators.models import (
    Indicator,
    IndicatorStatus,
    IndicatorValue,
    Target,
    TargetRevision,
)
from app.periods.models import Period
from app.plans.models import (
    Objective,
    Plan,
    PlanKind,
    objective_indicator,
    objective_project,
    objective_serves,
)
from app.risks.models import risk_objective

_PLANS: Table = Plan.__table__  # type: ignore[assignment]  # rows in bulk, no identity map
_OBJECTIVES: Table = Objective.__table__  # type: ignore[assignment]
_TARGETS: Table = Target.__table__  # type: ignore[assignment]
_REVISIONS: Table = TargetRevision.__table__  # type: ignore[assignment]
LINK_TABLES: dict[str, Table] = {
    "serves": objective_serves,
    "indicators": objective_indicator,
    "projects": objective_project,
    "risks": risk_objective,
}
# An advisory lock key of its own (the audit chain and bulk pushes use others).
_ROLLOVER_LOCK_KEY = 0x524F4C4C  # "ROLL"
TargetKey = tuple[uuid.UUID, str]  # (indicator id, period code)


class RolloverRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Plans

    async def service_plans(self, *, financial_year: str) -> Sequence[Plan]:
        """A year's service plans, with their org units."""
        rows = await self.session.scalars(
            select(Plan)
            .where(Plan.kind == PlanKind.SERVICE, Plan.financial_year == financial_year)
            .options(selectinload(Plan.org_unit))
            .order_by(Plan.title, Plan.id)
        )
        return rows.all()

    async def corporate_plans_spanning(self, *, start_year: int) -> Sequence[Plan]:
        """The corporate plans in force in the financial year starting then."""
        rows = await self.session.scalars(
            select(Plan)
            .where(
                Plan.kind == PlanKind.CORPORATE,
                Plan.start_year <= start_year,
                Plan.end_year >= start_year,
            )
            .options(selectinload(Plan.org_unit))
            .order_by(Plan.title, Plan.id)
        )
        return rows.all()

    async def rolled_from(self, *, source_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Plan]:
        """The plans already rolled over from these, by their source."""
        if not source_ids:
            return {}
        rows = await self.session.scalars(
            select(Plan).where(one_of(self.session, Plan.rolled_from_id, list(source_ids)))
        )
        return {plan.rolled_from_id: plan for plan in rows if plan.rolled_from_id}

    async def objectives(self, *, plan_ids: Collection[uuid.UUID]) -> Sequence[Objective]:
        if not plan_ids:
            return []
        rows = await self.session.scalars(
            select(Objective)
            .where(one_of(self.session, Objective.plan_id, list(plan_ids)))
            .order_by(Objective.position, Objective.code, Objective.title, Objective.id)
        )
        return rows.all()

    async def links(
        self, *, objective_ids: Collection[uuid.UUID]
    ) -> dict[str, list[tuple[uuid.UUID, uuid.UUID]]]:
        """The objectives' links down and up the thread, as (objective, linked) pairs; to
        indicators only where the indicator is active (a retired one does not carry on)."""
        found: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {name: [] for name in LINK_TABLES}
        if not objective_ids:
            return found
        ids = list(objective_ids)
        pairs = {
            "serves": select(objective_serves.c.objective_id, objective_serves.c.serves_id),
            "indicators": select(
                objective_indicator.c.objective_id, objective_indicator.c.indicator_id
            )
            .join(Indicator, Indicator.id == objective_indicator.c.indicator_id)
            .where(Indicator.status == IndicatorStatus.ACTIVE),
            "projects": select(objective_project.c.objective_id, objective_project.c.project_id),
            "risks": select(risk_objective.c.objective_id, risk_objective.c.risk_id),
        }
        for name, query in pairs.items():
            column = LINK_TABLES[name].c.objective_id
            for objective_id, linked in await self.session.execute(
                query.where(one_of(self.session, column, ids))
            ):
                found[name].append((objective_id, linked))
        return found

    async def insert_plans(
        self,
        *,
        plans: list[dict[str, Any]],
        objectives: list[dict[str, Any]],
        links: dict[str, list[dict[str, Any]]],
    ) -> None:
        """New plans, their objectives (parents before children) and links, a statement each."""
        await bulk_insert(self.session, _PLANS, plans)
        await bulk_insert(self.session, _OBJECTIVES, objectives)
        for name, rows in links.items():
            await bulk_insert(self.session, LINK_TABLES[name], rows)

    # Targets

    async def indicators(self) -> Sequence[Indicator]:
        rows = await self.session.scalars(select(Indicator).order_by(Indicator.code))
        return rows.all()

    async def targets(self, *, financial_year: str) -> dict[TargetKey, dict[str, Any]]:
        """A year's targets by (indicator id, period code)."""
        rows = await self.session.execute(
            select(
                Target.indicator_id,
                Period.code,
                Target.value,
                Target.lower,
                Target.upper,
                Target.floor,
            )
            .join(Period, Period.id == Target.period_id)
            .where(Period.financial_year == financial_year)
        )
        return {
            (row.indicator_id, row.code): {
                "value": row.value,
                "lower": row.lower,
                "upper": row.upper,
                "floor": row.floor,
            }
            for row in rows
        }

    async def outturns(self, *, financial_year: str) -> dict[TargetKey, Decimal]:
        """A year's approved figures by (indicator id, period code)."""
        rows = await self.session.execute(
            select(IndicatorValue.indicator_id, Period.code, IndicatorValue.approved_value)
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(
                Period.financial_year == financial_year,
                IndicatorValue.approved_value.is_not(None),
            )
        )
        return {(row[0], row[1]): row[2] for row in rows if row[2] is not None}

    async def periods(self, *, financial_year: str) -> dict[str, Period]:
        rows = await self.session.scalars(
            select(Period).where(Period.financial_year == financial_year)
        )
        return {period.code: period for period in rows}

    async def insert_targets(
        self, *, targets: list[dict[str, Any]], revisions: list[dict[str, Any]]
    ) -> None:
        """New targets and their first revisions, a statement each."""
        await bulk_insert(self.session, _TARGETS, targets)
        await bulk_insert(self.session, _REVISIONS, revisions)

    async def lock(self) -> None:
        """One rollover at a time on PostgreSQL: a second waits, then finds the first's work
        and creates nothing twice (SQLite's write lock serialises them already)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROLLOVER_LOCK_KEY}
            )
