from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from app.budgets.models import Budget, BudgetLine
from app.plans.models import Plan, PlanKind
from app.projects.models import Project


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def budget(
        self, *, plan_id: uuid.UUID | None, project_id: uuid.UUID | None, financial_year: str
    ) -> Budget | None:
        return await self.session.scalar(
            select(Budget).where(
                Budget.plan_id == plan_id if plan_id else Budget.project_id == project_id,
                Budget.financial_year == financial_year,
            )
        )

    async def lines(self, *, budget_id: uuid.UUID) -> Sequence[BudgetLine]:
        rows = await self.session.scalars(
            select(BudgetLine)
            .where(BudgetLine.budget_id == budget_id)
            .order_by(BudgetLine.position)
        )
        return rows.all()

    async def replace_lines(self, *, budget_id: uuid.UUID, lines: list[dict[str, object]]) -> None:
        await self.session.execute(delete(BudgetLine).where(BudgetLine.budget_id == budget_id))
        if lines:
            await self.session.execute(
                insert(BudgetLine),
                [{"id": uuid.uuid4(), "budget_id": budget_id, **line} for line in lines],
            )

    async def add(self, *, budget: Budget) -> None:
        self.session.add(budget)
        await self.session.flush()

    def touch(self, *, budget: Budget) -> None:
        """Written on the next flush even when no column changed, so its version moves on."""
        flag_modified(budget, "updated_at")

    async def flush(self) -> None:
        await self.session.flush()

    async def spend_lines(
        self, *, financial_year: str, org_unit_ids: Collection[uuid.UUID] | None
    ) -> tuple[Sequence[BudgetLine], Sequence[BudgetLine]]:
        """The year's lines of service plans, and of projects, in these org units (None: all);
        two statements."""
        plans = (
            select(BudgetLine)
            .join(Budget, Budget.id == BudgetLine.budget_id)
            .join(Plan, Plan.id == Budget.plan_id)
            .where(Budget.financial_year == financial_year, Plan.kind == PlanKind.SERVICE)
        )
        projects = (
            select(BudgetLine)
            .join(Budget, Budget.id == BudgetLine.budget_id)
            .join(Project, Project.id == Budget.project_id)
            .where(Budget.financial_year == financial_year)
        )
        if org_unit_ids is not None:
            plans = plans.where(Plan.org_unit_id.in_(org_unit_ids))
            projects = projects.where(Project.org_unit_id.in_(org_unit_ids))
        return (
            (await self.session.scalars(plans)).all(),
            (await self.session.scalars(projects)).all(),
        )
