from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, Table, delete, false, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Scope
from app.achievements.models import (
    Achievement,
    AchievementStatus,
    achievement_indicator,
    achievement_objective,
    achievement_project,
)
from app.indicators.models import Indicator
from app.org.models import OrgUnit
from app.periods.models import Period
from app.plans.models import Objective
from app.projects.models import Project


@dataclass(frozen=True)
class AchievementRow:
    achievement: Achievement
    period_code: str
    org_unit_code: str


@dataclass
class AchievementLinks:
    objectives: dict[uuid.UUID, list[uuid.UUID]]
    indicators: dict[uuid.UUID, list[str]]
    projects: dict[uuid.UUID, list[uuid.UUID]]


@dataclass
class AchievementFilter:
    org_unit_ids: Collection[uuid.UUID] | None = None
    # Achievements for this period or a period within it (a quarter's months).
    within: tuple[date, date] | None = None
    status: AchievementStatus | None = None
    is_public: bool | None = None
    # Periods whose achievements are held back (the public pages before a board has met).
    held_periods: Collection[str] = ()
    # Where the reader sees drafts; approved achievements are seen everywhere.
    drafts_in: Scope | None = None

    def apply(self, query: Select[Achievement, str, str]) -> Select[Achievement, str, str]:
        if self.org_unit_ids is not None:
            query = query.where(Achievement.org_unit_id.in_(self.org_unit_ids))
        if self.within is not None:
            start, end = self.within
            query = query.where(Period.start_date >= start, Period.end_date <= end)
        if self.status is not None:
            query = query.where(Achievement.status == self.status)
        if self.is_public is not None:
            query = query.where(Achievement.is_public.is_(self.is_public))
        if self.held_periods:
            query = query.where(Period.code.not_in(self.held_periods))
        if self.drafts_in is not None:
            query = query.where(
                or_(Achievement.status == AchievementStatus.APPROVED, _in_scope(self.drafts_in))
            )
        return query


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.everywhere:
        return Achievement.org_unit_id.is_not(None)
    if not scope.unit_ids:
        return false()
    return Achievement.org_unit_id.in_(scope.unit_ids)


def _rows() -> Select[Achievement, str, str]:
    return (
        select(Achievement, Period.code, OrgUnit.code)
        .join(Period, Period.id == Achievement.period_id)
        .join(OrgUnit, OrgUnit.id == Achievement.org_unit_id)
    )


class AchievementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def row(self, *, achievement_id: uuid.UUID) -> AchievementRow | None:
        found = (
            await self.session.execute(_rows().where(Achievement.id == achievement_id))
        ).first()
        return AchievementRow(*found) if found else None

    async def page(
        self, *, filters: AchievementFilter, offset: int, limit: int
    ) -> tuple[list[AchievementRow], int]:
        query = filters.apply(_rows())
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(Period.start_date.desc(), Achievement.title, Achievement.id)
            .offset(offset)
            .limit(limit)
        )
        return [AchievementRow(*row) for row in rows], total or 0

    async def links(self, *, ids: Collection[uuid.UUID]) -> AchievementLinks:
        """Every link of these achievements (three statements, whatever the number)."""
        links = AchievementLinks(defaultdict(list), defaultdict(list), defaultdict(list))
        if not ids:
            return links
        for owner, objective_id in await self.session.execute(
            select(achievement_objective.c.achievement_id, achievement_objective.c.objective_id)
            .where(achievement_objective.c.achievement_id.in_(ids))
            .order_by(achievement_objective.c.objective_id)
        ):
            links.objectives[owner].append(objective_id)
        for owner, code in await self.session.execute(
            select(achievement_indicator.c.achievement_id, Indicator.code)
            .join(Indicator, Indicator.id == achievement_indicator.c.indicator_id)
            .where(achievement_indicator.c.achievement_id.in_(ids))
            .order_by(Indicator.code)
        ):
            links.indicators[owner].append(code)
        for owner, project_id in await self.session.execute(
            select(achievement_project.c.achievement_id, achievement_project.c.project_id)
            .where(achievement_project.c.achievement_id.in_(ids))
            .order_by(achievement_project.c.project_id)
        ):
            links.projects[owner].append(project_id)
        return links

    async def period_by_code(self, *, code: str) -> Period | None:
        return await self.session.scalar(select(Period).where(Period.code == code))

    async def indicators_by_code(self, *, codes: Collection[str]) -> dict[str, uuid.UUID]:
        if not codes:
            return {}
        rows = await self.session.execute(
            select(Indicator.code, Indicator.id).where(Indicator.code.in_(codes))
        )
        return dict(rows.all())

    async def existing(
        self, *, model: type[Objective | Project], ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not ids:
            return set()
        return set(await self.session.scalars(select(model.id).where(model.id.in_(ids))))

    async def replace_links(
        self, *, table: Table, owner: uuid.UUID, column: str, ids: Sequence[uuid.UUID]
    ) -> None:
        await self.session.execute(delete(table).where(table.c.achievement_id == owner))
        if ids:
            await self.session.execute(
                insert(table), [{"achievement_id": owner, column: linked} for linked in ids]
            )

    async def add(self, *, achievement: Achievement) -> None:
        self.session.add(achievement)
        await self.session.flush()

    async def delete(self, *, achievement: Achievement) -> None:
        await self.session.delete(achievement)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
