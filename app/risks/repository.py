from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, insert, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action
from app.org.models import OrgUnit
from app.plans.models import Objective
from app.risks.models import Risk, RiskStatus, risk_objective
from app.users.models import User

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class RiskRow:
    risk: Risk
    org_unit_code: str


def review_overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(
        Risk.status == RiskStatus.OPEN, Risk.review_date.is_not(None), Risk.review_date < today
    )


@dataclass
class RiskFilter:
    org_unit_ids: Collection[uuid.UUID] | None = None
    category: str | None = None
    status: RiskStatus | None = None
    owner_id: uuid.UUID | None = None
    review_overdue: bool | None = None
    min_score: int | None = None

    def apply(self, query: SelectT, *, today: date) -> SelectT:
        if self.org_unit_ids is not None:
            query = query.where(Risk.org_unit_id.in_(self.org_unit_ids))
        if self.category is not None:
            query = query.where(Risk.category == self.category)
        if self.status is not None:
            query = query.where(Risk.status == self.status)
        if self.owner_id is not None:
            query = query.where(Risk.owner_id == self.owner_id)
        if self.review_overdue is not None:
            clause = review_overdue_clause(today)
            query = query.where(clause if self.review_overdue else not_(clause))
        if self.min_score is not None:
            query = query.where(Risk.current_likelihood * Risk.current_impact >= self.min_score)
        return query


def _rows() -> Select[Risk, str]:
    return select(Risk, OrgUnit.code).join(OrgUnit, OrgUnit.id == Risk.org_unit_id)


class RiskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def row(self, *, risk_id: uuid.UUID) -> RiskRow | None:
        found = (await self.session.execute(_rows().where(Risk.id == risk_id))).first()
        return RiskRow(*found) if found else None

    async def by_code(self, *, code: str) -> Risk | None:
        return await self.session.scalar(select(Risk).where(Risk.code == code))

    async def page(
        self, *, filters: RiskFilter, today: date, offset: int, limit: int
    ) -> tuple[Sequence[RiskRow], int]:
        query = filters.apply(_rows(), today=today)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        found = await self.session.execute(query.order_by(Risk.code).offset(offset).limit(limit))
        return [RiskRow(*row) for row in found], total or 0

    async def matrix(self, *, filters: RiskFilter, today: date) -> dict[tuple[int, int], int]:
        """How many risks sit at each (current likelihood, current impact); one statement."""
        query = filters.apply(
            select(Risk.current_likelihood, Risk.current_impact, func.count()), today=today
        ).group_by(Risk.current_likelihood, Risk.current_impact)
        rows = await self.session.execute(query)
        return {(likelihood, impact): count for likelihood, impact, count in rows}

    async def objective_ids(
        self, *, risk_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not risk_ids:
            return {}
        rows = await self.session.execute(
            select(risk_objective.c.risk_id, risk_objective.c.objective_id)
            .where(risk_objective.c.risk_id.in_(risk_ids))
            .order_by(risk_objective.c.objective_id)
        )
        found: dict[uuid.UUID, list[uuid.UUID]] = {}
        for risk_id, objective_id in rows:
            found.setdefault(risk_id, []).append(objective_id)
        return found

    async def action_ids(
        self, *, risk_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not risk_ids:
            return {}
        rows = await self.session.execute(
            select(Action.risk_id, Action.id)
            .where(Action.risk_id.in_(risk_ids))
            .order_by(Action.due_date, Action.id)
        )
        found: dict[uuid.UUID, list[uuid.UUID]] = {}
        for risk_id, action_id in rows:
            if risk_id is not None:
                found.setdefault(risk_id, []).append(action_id)
        return found

    async def existing_objectives(self, *, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        rows = await self.session.scalars(select(Objective.id).where(Objective.id.in_(ids)))
        return set(rows)

    async def set_objectives(
        self, *, risk_id: uuid.UUID, objective_ids: Sequence[uuid.UUID]
    ) -> None:
        await self.session.execute(
            delete(risk_objective).where(risk_objective.c.risk_id == risk_id)
        )
        if objective_ids:
            await self.session.execute(
                insert(risk_objective),
                [{"risk_id": risk_id, "objective_id": oid} for oid in objective_ids],
            )

    async def user_exists(self, *, user_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.id == user_id))))

    async def add(self, *, risk: Risk) -> None:
        self.session.add(risk)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
