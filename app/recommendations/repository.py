from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action
from app.org.models import OrgUnit
from app.recommendations.models import (
    Recommendation,
    RecommendationPriority,
    RecommendationSource,
    RecommendationStatus,
)
from app.users.models import User

OUTSTANDING = (RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS)


def overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(Recommendation.due_date < today, Recommendation.status.in_(OUTSTANDING))


@dataclass(frozen=True)
class RecommendationRow:
    recommendation: Recommendation
    org_unit_code: str


@dataclass
class RecommendationFilter:
    org_unit_ids: Collection[uuid.UUID] | None = None
    source: RecommendationSource | None = None
    priority: RecommendationPriority | None = None
    status: RecommendationStatus | None = None
    owner_id: uuid.UUID | None = None
    overdue: bool | None = None

    def apply(
        self, query: Select[Recommendation, str], *, today: date
    ) -> Select[Recommendation, str]:
        if self.org_unit_ids is not None:
            query = query.where(Recommendation.org_unit_id.in_(self.org_unit_ids))
        for column, wanted in (
            (Recommendation.source, self.source),
            (Recommendation.priority, self.priority),
            (Recommendation.status, self.status),
            (Recommendation.owner_id, self.owner_id),
        ):
            if wanted is not None:
                query = query.where(column == wanted)
        if self.overdue is not None:
            clause = overdue_clause(today)
            query = query.where(clause if self.overdue else not_(clause))
        return query


def _rows() -> Select[Recommendation, str]:
    return select(Recommendation, OrgUnit.code).join(
        OrgUnit, OrgUnit.id == Recommendation.org_unit_id
    )


class RecommendationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def row(self, *, recommendation_id: uuid.UUID) -> RecommendationRow | None:
        found = (
            await self.session.execute(_rows().where(Recommendation.id == recommendation_id))
        ).first()
        return RecommendationRow(*found) if found else None

    async def page(
        self, *, filters: RecommendationFilter, today: date, offset: int, limit: int
    ) -> tuple[list[RecommendationRow], int]:
        query = filters.apply(_rows(), today=today)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Recommendation.due_date, Recommendation.reference)
            .offset(offset)
            .limit(limit)
        )
        return [RecommendationRow(*row) for row in rows], total or 0

    async def actions(
        self, *, recommendation_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[Action]]:
        """The actions answering these recommendations, by due date (one statement)."""
        found: dict[uuid.UUID, list[Action]] = defaultdict(list)
        if not recommendation_ids:
            return found
        rows = await self.session.scalars(
            select(Action)
            .where(Action.recommendation_id.in_(recommendation_ids))
            .order_by(Action.due_date, Action.title, Action.id)
        )
        for action in rows:
            assert action.recommendation_id is not None
            found[action.recommendation_id].append(action)
        return found

    async def by_reference(self, *, reference: str) -> Recommendation | None:
        return await self.session.scalar(
            select(Recommendation).where(Recommendation.reference == reference)
        )

    async def user_exists(self, *, user_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.id == user_id))))

    async def add(self, *, recommendation: Recommendation) -> None:
        self.session.add(recommendation)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
