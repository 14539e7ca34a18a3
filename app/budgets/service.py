"""Budget lines per service plan or project and financial year (budget, forecast, actual, in
exact pounds), the variances, and the spend a scorecard shows beside performance."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.budgets.exceptions import InvalidBudget, NoBudgetHere
from app.budgets.models import Budget, BudgetLine
from app.budgets.repository import BudgetRepository
from app.budgets.rules import Totals, totals, variance
from app.budgets.schemas import BudgetIn, BudgetLineRead, BudgetRead
from app.core.clock import utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.plans.models import PlanKind
from app.plans.service import PlanService
from app.projects.service import ProjectService
from app.status.schemas import Spend, SpendTotals


def spend_totals(found: Totals) -> SpendTotals:
    return SpendTotals(
        budget=found.budget,
        forecast=found.forecast,
        actual=found.actual,
        forecast_variance=found.forecast_variance,
        actual_variance=found.actual_variance,
        lines=found.lines,
    )


def financial_year(code: str) -> str:
    """The financial year code, or 422 naming the path parameter."""
    try:
        spec = calendar.parse_period(code)
    except calendar.InvalidPeriodCode:
        spec = None
    if spec is None or spec.kind is not PeriodKind.YEAR:
        raise InvalidBudget(
            f"{code[:50]!r} is not a financial year; write it 2025-26.",
            errors=[field_error("year", "a financial year such as 2025-26", at="path")],
        )
    return spec.code


def _read(
    *,
    plan_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    year: str,
    lines: Sequence[BudgetLine],
    updated_at: datetime | None,
) -> BudgetRead:
    return BudgetRead(
        plan_id=plan_id,
        project_id=project_id,
        financial_year=year,
        lines=[
            BudgetLineRead(
                category=line.category,
                budget=line.budget,
                forecast=line.forecast,
                actual=line.actual,
                forecast_variance=variance(line.forecast, line.budget),
                actual_variance=variance(line.actual, line.budget),
            )
            for line in lines
        ],
        totals=spend_totals(totals(lines)),
        updated_at=updated_at,
    )


class BudgetService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = BudgetRepository(session)
        self.audit = AuditService(session)

    async def _owner(
        self, *, plan_id: uuid.UUID | None, project_id: uuid.UUID | None, setting: str | None = None
    ) -> uuid.UUID:
        """The org unit of the plan or project (404 when there is none; 409 for a corporate
        plan, whose money is in its service plans). With ``setting``, the financial year a
        budget is being set for: 422 unless it is the service plan's year, or a year the
        project runs in (a budget of another year would be counted in that year's spend)."""
        if plan_id is not None:
            plan = await PlanService(self.session).get(plan_id=plan_id)
            if plan.kind is not PlanKind.SERVICE:
                raise NoBudgetHere(
                    "Budgets are set per service plan (and project); a corporate plan's money "
                    "is in the service plans that serve it."
                )
            if setting is not None and plan.financial_year not in (None, setting):
                raise InvalidBudget(
                    f"This service plan is for {plan.financial_year}: its budget is for that "
                    f"year, not {setting}.",
                    errors=[
                        field_error("year", f"the plan's year, {plan.financial_year}", at="path")
                    ],
                )
            return plan.org_unit_id
        assert project_id is not None
        project = (await ProjectService(self.session).get_row(project_id=project_id)).project
        if setting is not None:
            year = calendar.parse_period(setting)
            assert year is not None
            if (project.start_date is not None and project.start_date > year.end_date) or (
                project.end_date is not None and project.end_date < year.start_date
            ):
                runs = f"{project.start_date or 'its start'} to {project.end_date or 'its end'}"
                raise InvalidBudget(
                    f"The project runs from {runs}, not in {setting}: its budget lines are for "
                    "the financial years it runs in.",
                    errors=[field_error("year", "a financial year the project runs in", at="path")],
                )
        return project.org_unit_id

    async def read(
        self, *, plan_id: uuid.UUID | None, project_id: uuid.UUID | None, year: str
    ) -> tuple[BudgetRead, int]:
        """The year's lines and totals, and the version (0 while none were ever set)."""
        code = financial_year(year)
        await self._owner(plan_id=plan_id, project_id=project_id)
        budget = await self.repository.budget(
            plan_id=plan_id, project_id=project_id, financial_year=code
        )
        if budget is None:
            return (
                _read(plan_id=plan_id, project_id=project_id, year=code, lines=[], updated_at=None),
                0,
            )
        lines = await self.repository.lines(budget_id=budget.id)
        read = _read(
            plan_id=plan_id,
            project_id=project_id,
            year=code,
            lines=lines,
            updated_at=budget.updated_at,
        )
        return read, budget.version

    async def replace(
        self,
        *,
        principal: Principal,
        plan_id: uuid.UUID | None,
        project_id: uuid.UUID | None,
        year: str,
        data: BudgetIn,
        if_match: str | None,
    ) -> tuple[BudgetRead, int]:
        """Replace the year's lines in one go (audited); If-Match against the year's version."""
        code = financial_year(year)
        org_unit_id = await self._owner(plan_id=plan_id, project_id=project_id, setting=code)
        if not principal.can(Permission.PLANS_WRITE, org_unit_id):
            raise PermissionDenied("You may not set budgets in this org unit.")
        before, version = await self.read(plan_id=plan_id, project_id=project_id, year=code)
        check_if_match(if_match, version)
        budget = await self.repository.budget(
            plan_id=plan_id, project_id=project_id, financial_year=code
        )
        if budget is None:
            budget = Budget(plan_id=plan_id, project_id=project_id, financial_year=code)
            await self.repository.add(budget=budget)
        await self.repository.replace_lines(
            budget_id=budget.id,
            lines=[{"position": i, **line.model_dump()} for i, line in enumerate(data.lines)],
        )
        if version:
            # A new set of lines is a new version of the year's budget, even when the row's
            # own fields are the same.
            budget.updated_at = utcnow()
            self.repository.touch(budget=budget)
        await self.repository.flush()
        after, version = await self.read(plan_id=plan_id, project_id=project_id, year=code)
        await self.audit.record(
            actor=principal,
            action="update" if before.updated_at else "create",
            entity_type="budget",
            entity_id=budget.id,
            before=to_audit(before) if before.updated_at else None,
            after=to_audit(after),
        )
        return after, version

    async def spend(
        self,
        *,
        financial_year: str,
        org_unit_ids: Collection[uuid.UUID] | None,
        org_unit_codes: list[str],
    ) -> Spend:
        """The year's service-plan and project spend in these org units (None: the council)."""
        plans, projects = await self.repository.spend_lines(
            financial_year=financial_year, org_unit_ids=org_unit_ids
        )
        return Spend(
            financial_year=financial_year,
            org_unit_codes=org_unit_codes,
            service_plans=spend_totals(totals(plans)),
            projects=spend_totals(totals(projects)),
        )
