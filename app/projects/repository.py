from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import OrgUnit
from app.projects.models import Milestone, Project, ProjectStatus
from app.users.models import User


@dataclass(frozen=True)
class ProjectRow:
    project: Project
    org_unit_code: str


@dataclass
class ProjectFilter:
    org_unit_ids: Collection[uuid.UUID] | None = None
    status: ProjectStatus | None = None
    manager_id: uuid.UUID | None = None

    def apply(self, query: Select[Project, str]) -> Select[Project, str]:
        if self.org_unit_ids is not None:
            query = query.where(Project.org_unit_id.in_(self.org_unit_ids))
        if self.status is not None:
            query = query.where(Project.status == self.status)
        if self.manager_id is not None:
            query = query.where(Project.manager_id == self.manager_id)
        return query


def _rows() -> Select[Project, str]:
    return select(Project, OrgUnit.code).join(OrgUnit, OrgUnit.id == Project.org_unit_id)


class ProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def row(self, *, project_id: uuid.UUID) -> ProjectRow | None:
        found = (await self.session.execute(_rows().where(Project.id == project_id))).first()
        return ProjectRow(*found) if found else None

    async def rows(self, *, project_ids: Collection[uuid.UUID]) -> Sequence[ProjectRow]:
        if not project_ids:
            return []
        found = await self.session.execute(
            _rows().where(Project.id.in_(project_ids)).order_by(Project.code)
        )
        return [ProjectRow(*row) for row in found]

    async def by_code(self, *, code: str) -> Project | None:
        return await self.session.scalar(select(Project).where(Project.code == code))

    async def page(
        self, *, filters: ProjectFilter, offset: int, limit: int
    ) -> tuple[Sequence[ProjectRow], int]:
        query = filters.apply(_rows())
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        found = await self.session.execute(query.order_by(Project.code).offset(offset).limit(limit))
        return [ProjectRow(*row) for row in found], total or 0

    async def milestones(
        self, *, project_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Sequence[Milestone]]:
        """Every milestone of these projects, in due-date order (one statement)."""
        if not project_ids:
            return {}
        found: dict[uuid.UUID, list[Milestone]] = {project_id: [] for project_id in project_ids}
        rows = await self.session.scalars(
            select(Milestone)
            .where(Milestone.project_id.in_(project_ids))
            .order_by(Milestone.due_date, Milestone.title, Milestone.id)
        )
        for milestone in rows:
            found[milestone.project_id].append(milestone)
        return dict(found)

    async def milestone(
        self, *, project_id: uuid.UUID, milestone_id: uuid.UUID
    ) -> Milestone | None:
        return await self.session.scalar(
            select(Milestone).where(
                Milestone.id == milestone_id, Milestone.project_id == project_id
            )
        )

    async def user_exists(self, *, user_id: uuid.UUID) -> bool:
        return bool(await self.session.scalar(select(exists().where(User.id == user_id))))

    async def add(self, *, item: Project | Milestone) -> None:
        self.session.add(item)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
