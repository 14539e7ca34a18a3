"""The few reads the demo seed needs that no domain offers (no API lists them this way), kept
here so the seed itself holds no statements; every write goes through a domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.indicators.models import Indicator, IndicatorStatus
from app.org.models import OrgUnit
from app.periods.models import Period, PeriodStatus
from app.plans.models import Objective, Plan, PlanKind
from app.projects.models import Project


class DemoRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def periods(self) -> dict[str, Period]:
        """Every period, by code."""
        return {period.code: period for period in await self.session.scalars(select(Period))}

    async def future_periods_started_by(self, *, day: date) -> Sequence[Period]:
        """Periods still marked future that have started by the day."""
        rows = await self.session.scalars(
            select(Period).where(Period.start_date <= day, Period.status == PeriodStatus.FUTURE)
        )
        return rows.all()

    async def existing_indicator_codes(self, *, codes: Sequence[str]) -> set[str]:
        """Which of these indicator codes are taken."""
        return set(
            await self.session.scalars(select(Indicator.code).where(Indicator.code.in_(codes)))
        )

    async def active_indicator_codes_by_unit(self) -> dict[str, list[str]]:
        """The active indicators' codes, in order, by their org unit's code."""
        rows = await self.session.execute(
            select(OrgUnit.code, Indicator.code)
            .join(OrgUnit, OrgUnit.id == Indicator.org_unit_id)
            .where(Indicator.status == IndicatorStatus.ACTIVE)
            .order_by(Indicator.code)
        )
        found: dict[str, list[str]] = {}
        for unit, code in rows:
            found.setdefault(unit, []).append(code)
        return found

    async def plan_titled_exists(self, *, title: str) -> bool:
        """Whether a plan has this title."""
        return await self.session.scalar(select(Plan.id).where(Plan.title == title)) is not None

    async def service_plan_ids(self, *, financial_year: str) -> dict[str, uuid.UUID]:
        """The year's service plans' ids by their org unit's code (the latest per unit)."""
        rows = await self.session.execute(
            select(OrgUnit.code, Plan.id)
            .join(OrgUnit, OrgUnit.id == Plan.org_unit_id)
            .where(Plan.kind == PlanKind.SERVICE, Plan.financial_year == financial_year)
            .order_by(Plan.created_at)
        )
        return dict(rows.all())

    async def project_ids(self) -> dict[str, uuid.UUID]:
        """The projects' ids by code."""
        return dict((await self.session.execute(select(Project.code, Project.id))).all())

    async def service_objectives_by_code(self, *, year: int) -> dict[str, Objective]:
        """The objectives of the service plans starting in the year, by their code."""
        rows = await self.session.scalars(
            select(Objective)
            .join(Plan, Plan.id == Objective.plan_id)
            .where(Plan.kind == PlanKind.SERVICE, Plan.start_year == year)
            .where(Objective.code.is_not(None))
        )
        return {row.code: row for row in rows if row.code}

    async def flush(self) -> None:
        """Write pending changes."""
        await self.session.flush()
