"""The report filters resolved: an org unit's subtree, a plan's, an objective's or a
committee's measures, key measures only, into the IndicatorFilter the queries take.

A plan's or an objective's measures roll up along the golden thread (children and the
objectives serving them, transitively, in one recursive query), and a committee's include
those of the plans it oversees."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.committees.repository import committee_indicator_ids
from app.committees.service import CommitteeService
from app.indicators.models import IndicatorStatus
from app.indicators.repository import IndicatorFilter
from app.org.service import OrgService
from app.plans.repository import objective_indicator_ids, plan_indicator_ids
from app.plans.service import PlanService
from app.reports.schemas import ReportFilters


class ReportFilterService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def resolve(self, *, filters: ReportFilters) -> IndicatorFilter:
        """The active indicators the filters name; 404 for an org unit, plan, objective or
        committee that does not exist."""
        resolved = IndicatorFilter(is_key=filters.is_key, status=IndicatorStatus.ACTIVE)
        if filters.org_unit_code is not None:
            org = OrgService(self.session)
            unit = await org.get_unit(code=filters.org_unit_code)
            resolved.org_unit_ids = (await org.tree()).subtree(unit.id)
        plans = PlanService(self.session)
        if filters.plan_id is not None:
            await plans.get(plan_id=filters.plan_id)
            resolved.ids_in.append(plan_indicator_ids(filters.plan_id))
        if filters.objective_id is not None:
            await plans.get_objective(objective_id=filters.objective_id)
            resolved.ids_in.append(objective_indicator_ids(filters.objective_id))
        if filters.committee_id is not None:
            await CommitteeService(self.session).get(committee_id=filters.committee_id)
            resolved.ids_in.append(committee_indicator_ids(filters.committee_id))
        return resolved
