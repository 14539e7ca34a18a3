from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appraisals.models import (
    AppraisalReview,
    PersonalObjective,
    PersonalObjectiveStatus,
    ReviewKind,
    personal_objective_serves,
)
from app.plans.models import Objective, Plan, PlanKind


@dataclass(frozen=True)
class ServedObjective:
    """What deciding whether a personal objective may serve an objective needs of it."""

    id: uuid.UUID
    plan_kind: PlanKind
    org_unit_id: uuid.UUID
    start_year: int
    end_year: int


class AppraisalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, objective_id: uuid.UUID) -> PersonalObjective | None:
        return await self.session.get(PersonalObjective, objective_id)

    async def objectives_of(
        self,
        *,
        user_id: uuid.UUID,
        financial_year: str | None,
        status: PersonalObjectiveStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[PersonalObjective], int]:
        query = select(PersonalObjective).where(PersonalObjective.user_id == user_id)
        if financial_year is not None:
            query = query.where(PersonalObjective.financial_year == financial_year)
        if status is not None:
            query = query.where(PersonalObjective.status == status)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(
                PersonalObjective.financial_year.desc(),
                PersonalObjective.created_at,
                PersonalObjective.id,
            )
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def serves(
        self, *, objective_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        if not objective_ids:
            return found
        table = personal_objective_serves
        for own, served in await self.session.execute(
            select(table.c.personal_objective_id, table.c.objective_id).where(
                table.c.personal_objective_id.in_(objective_ids)
            )
        ):
            found[own].append(served)
        return found

    async def reviewed(
        self, *, objective_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[ReviewKind]]:
        found: dict[uuid.UUID, list[ReviewKind]] = defaultdict(list)
        if not objective_ids:
            return found
        for own, kind in await self.session.execute(
            select(AppraisalReview.personal_objective_id, AppraisalReview.kind).where(
                AppraisalReview.personal_objective_id.in_(objective_ids)
            )
        ):
            found[own].append(kind)
        return found

    async def served_objectives(
        self, *, ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ServedObjective]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Objective.id, Plan.kind, Plan.org_unit_id, Plan.start_year, Plan.end_year)
            .join(Plan, Plan.id == Objective.plan_id)
            .where(Objective.id.in_(ids))
        )
        return {row[0]: ServedObjective(*row) for row in rows}

    async def replace_serves(self, *, objective_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
        table = personal_objective_serves
        await self.session.execute(
            delete(table).where(table.c.personal_objective_id == objective_id)
        )
        if ids:
            await self.session.execute(
                insert(table),
                [{"personal_objective_id": objective_id, "objective_id": served} for served in ids],
            )

    async def reviews(
        self, *, objective_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[Sequence[AppraisalReview], int]:
        query = select(AppraisalReview).where(AppraisalReview.personal_objective_id == objective_id)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(AppraisalReview.reviewed_at, AppraisalReview.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), total or 0

    async def review(self, *, review_id: uuid.UUID) -> AppraisalReview | None:
        return await self.session.get(AppraisalReview, review_id)

    async def review_of_kind(
        self, *, objective_id: uuid.UUID, kind: ReviewKind
    ) -> AppraisalReview | None:
        return await self.session.scalar(
            select(AppraisalReview).where(
                AppraisalReview.personal_objective_id == objective_id,
                AppraisalReview.kind == kind,
            )
        )

    async def add(self, *, row: PersonalObjective | AppraisalReview) -> None:
        self.session.add(row)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
