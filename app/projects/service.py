"""Projects from the Corporate Plan, their milestones, and their RAG: the manager's own, with a
reason, beside the one derived from overdue milestones."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission
from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.core.clock import today, utcnow
from app.core.errors import field_error
from app.core.etag import check_if_match
from app.org.service import OrgService
from app.projects.exceptions import (
    InvalidDates,
    InvalidProjectField,
    MilestoneNotFound,
    ProjectCodeTaken,
    ProjectNotFound,
    UnknownReference,
)
from app.projects.models import Milestone, Project
from app.projects.repository import ProjectFilter, ProjectRepository, ProjectRow
from app.projects.rules import count_overdue, derived_rag, milestone_overdue, project_rag
from app.projects.schemas import (
    MilestoneCreate,
    MilestonePatch,
    MilestoneRead,
    ProjectCreate,
    ProjectPatch,
    ProjectRead,
)

# Fields that are never null; sending null for one is a 422, not "leave it alone".
_REQUIRED = ("title", "org_unit_code", "status")


def to_read(
    project: Project, *, org_unit_code: str, milestones: Sequence[Milestone], today: date
) -> ProjectRead:
    overdue = count_overdue(milestones, today=today)
    derived = derived_rag(status=project.status, overdue_milestones=overdue)
    return ProjectRead(
        id=project.id,
        code=project.code,
        title=project.title,
        description=project.description,
        manager_id=project.manager_id,
        org_unit_code=org_unit_code,
        start_date=project.start_date,
        end_date=project.end_date,
        status=project.status,
        manager_rag=project.manager_rag,
        manager_rag_reason=project.manager_rag_reason,
        manager_rag_at=project.manager_rag_at,
        derived_rag=derived,
        rag=project_rag(manager_rag=project.manager_rag, derived=derived),
        milestones_total=len(milestones),
        milestones_completed=sum(m.completed_date is not None for m in milestones),
        milestones_overdue=overdue,
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


def milestone_read(milestone: Milestone, *, today: date) -> MilestoneRead:
    return MilestoneRead(
        id=milestone.id,
        project_id=milestone.project_id,
        title=milestone.title,
        due_date=milestone.due_date,
        completed_date=milestone.completed_date,
        overdue=milestone_overdue(
            due_date=milestone.due_date, completed_date=milestone.completed_date, today=today
        ),
        created_at=milestone.created_at,
        updated_at=milestone.updated_at,
    )


def _check_dates(start_date: date | None, end_date: date | None) -> None:
    if start_date is not None and end_date is not None and end_date < start_date:
        raise InvalidDates(
            f"end_date {end_date} is before start_date {start_date}.",
            errors=[field_error("end_date", "must not be before start_date")],
        )


def _check_completed(completed_date: date | None) -> None:
    if completed_date is not None and completed_date > today():
        raise InvalidDates(
            f"completed_date {completed_date} is in the future.",
            errors=[field_error("completed_date", "must not be in the future")],
        )


def _reject_nulls(changes: dict[str, Any], fields: Sequence[str]) -> None:
    for field in fields:
        if field in changes and changes[field] is None:
            raise InvalidProjectField(
                f"{field} cannot be null.", errors=[field_error(field, "cannot be null")]
            )


def _apply_manager_rag(project: Project, fields: dict[str, Any]) -> None:
    """The manager's RAG always carries a reason and the moment it was given."""
    rag_given, reason_given = "manager_rag" in fields, "manager_rag_reason" in fields
    if not rag_given and not reason_given:
        return
    rag = fields["manager_rag"] if rag_given else project.manager_rag
    reason = fields.get("manager_rag_reason")
    if rag is None:
        if reason is not None:
            raise InvalidProjectField(
                "A reason goes with a manager_rag; give one, or clear both.",
                errors=[field_error("manager_rag", "required with manager_rag_reason", "missing")],
            )
        project.manager_rag = project.manager_rag_reason = project.manager_rag_at = None
        return
    if reason is None:
        raise InvalidProjectField(
            "Say why: a manager_rag needs a manager_rag_reason.",
            errors=[field_error("manager_rag_reason", "required with manager_rag", "missing")],
        )
    project.manager_rag = rag
    project.manager_rag_reason = reason
    project.manager_rag_at = utcnow()


class ProjectService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ProjectRepository(session)
        self.org = OrgService(session)
        self.audit = AuditService(session)

    # Reading

    async def get_row(self, *, project_id: uuid.UUID) -> ProjectRow:
        row = await self.repository.row(project_id=project_id)
        if row is None:
            raise ProjectNotFound(f"No project has the id {project_id}.")
        return row

    async def _read(self, row: ProjectRow) -> ProjectRead:
        milestones = await self.repository.milestones(project_ids=[row.project.id])
        return to_read(
            row.project,
            org_unit_code=row.org_unit_code,
            milestones=milestones.get(row.project.id, []),
            today=today(),
        )

    async def read(self, *, project_id: uuid.UUID) -> tuple[ProjectRead, int]:
        """One project and its version (the ETag)."""
        row = await self.get_row(project_id=project_id)
        return await self._read(row), row.project.version

    async def _reads(self, rows: Sequence[ProjectRow]) -> list[ProjectRead]:
        milestones = await self.repository.milestones(project_ids=[row.project.id for row in rows])
        on = today()
        return [
            to_read(
                row.project,
                org_unit_code=row.org_unit_code,
                milestones=milestones.get(row.project.id, []),
                today=on,
            )
            for row in rows
        ]

    async def summaries(
        self, *, project_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ProjectRead]:
        """Reads of these projects with their RAG, keyed by id; unknown ids are left out.

        Two statements (projects, then milestones), whatever the number of projects.
        """
        rows = await self.repository.rows(project_ids=project_ids)
        return {read.id: read for read in await self._reads(rows)}

    async def list_page(
        self, *, org_unit_code: str | None, filters: ProjectFilter, offset: int, limit: int
    ) -> tuple[list[ProjectRead], int]:
        if org_unit_code is not None:
            unit = await self.org.get_unit(code=org_unit_code)
            filters.org_unit_ids = (await self.org.tree()).subtree(unit.id)
        rows, total = await self.repository.page(filters=filters, offset=offset, limit=limit)
        return await self._reads(rows), total

    # Writing

    async def create(self, *, principal: Principal, data: ProjectCreate) -> tuple[ProjectRead, int]:
        unit = await self.org.resolve_code(code=data.org_unit_code, field="org_unit_code")
        assert unit is not None
        if not principal.can(Permission.PLANS_WRITE, unit.id):
            raise PermissionDenied(f"You may not add projects to {unit.code}.")
        if await self.repository.by_code(code=data.code) is not None:
            raise ProjectCodeTaken(f"The project code {data.code!r} is already used.")
        _check_dates(data.start_date, data.end_date)
        project = Project(
            code=data.code,
            title=data.title,
            description=data.description,
            org_unit_id=unit.id,
            start_date=data.start_date,
            end_date=data.end_date,
            status=data.status,
        )
        fields = data.model_dump(exclude_unset=True)
        await self._apply_manager(project, fields)
        _apply_manager_rag(project, fields)
        await self.repository.add(item=project)
        created = to_read(project, org_unit_code=unit.code, milestones=[], today=today())
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="project",
            entity_id=project.id,
            after=to_audit(created),
        )
        return created, project.version

    async def update(
        self,
        *,
        principal: Principal,
        project_id: uuid.UUID,
        data: ProjectPatch,
        if_match: str | None,
    ) -> tuple[ProjectRead, int]:
        row = await self.get_row(project_id=project_id)
        project = row.project
        self._check_may_write(principal, project)
        check_if_match(if_match, project.version)
        before = await self._read(row)
        changes = data.model_dump(exclude_unset=True)
        _reject_nulls(changes, _REQUIRED)
        if "org_unit_code" in changes:
            unit = await self.org.resolve_code(code=changes["org_unit_code"], field="org_unit_code")
            assert unit is not None
            if not principal.can(Permission.PLANS_WRITE, unit.id):
                raise PermissionDenied(f"You may not move projects to {unit.code}.")
            project.org_unit_id = unit.id
        _check_dates(
            changes.get("start_date", project.start_date), changes.get("end_date", project.end_date)
        )
        for field in ("title", "description", "start_date", "end_date", "status"):
            if field in changes:
                setattr(project, field, changes[field])
        await self._apply_manager(project, changes)
        _apply_manager_rag(project, changes)
        await self.repository.flush()
        after = await self._read(await self.get_row(project_id=project.id))
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="project",
            entity_id=project.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, project.version

    def _check_may_write(self, principal: Principal, project: Project) -> None:
        if not principal.can(Permission.PLANS_WRITE, project.org_unit_id):
            raise PermissionDenied(f"You may not change project {project.code}.")

    async def _apply_manager(self, project: Project, fields: dict[str, Any]) -> None:
        if "manager_id" not in fields:
            return
        manager_id = fields["manager_id"]
        if manager_id is not None and not await self.repository.user_exists(user_id=manager_id):
            raise UnknownReference(
                f"No user has the id {manager_id}.",
                errors=[field_error("manager_id", "unknown user", "not_found")],
            )
        project.manager_id = manager_id

    # Milestones

    async def get_milestone(
        self, *, project_id: uuid.UUID, milestone_id: uuid.UUID
    ) -> tuple[MilestoneRead, int]:
        row = await self.get_row(project_id=project_id)
        milestone = await self._milestone(row.project, milestone_id)
        return milestone_read(milestone, today=today()), milestone.version

    async def list_milestones(self, *, project_id: uuid.UUID) -> list[MilestoneRead]:
        row = await self.get_row(project_id=project_id)
        milestones = await self.repository.milestones(project_ids=[row.project.id])
        on = today()
        return [milestone_read(m, today=on) for m in milestones.get(row.project.id, [])]

    async def add_milestone(
        self, *, principal: Principal, project_id: uuid.UUID, data: MilestoneCreate
    ) -> tuple[MilestoneRead, int]:
        row = await self.get_row(project_id=project_id)
        self._check_may_write(principal, row.project)
        _check_completed(data.completed_date)
        milestone = Milestone(
            project_id=row.project.id,
            title=data.title,
            due_date=data.due_date,
            completed_date=data.completed_date,
        )
        await self.repository.add(item=milestone)
        created = milestone_read(milestone, today=today())
        await self.audit.record(
            actor=principal,
            action="create",
            entity_type="milestone",
            entity_id=milestone.id,
            after=to_audit(created),
        )
        return created, milestone.version

    async def update_milestone(
        self,
        *,
        principal: Principal,
        project_id: uuid.UUID,
        milestone_id: uuid.UUID,
        data: MilestonePatch,
        if_match: str | None,
    ) -> tuple[MilestoneRead, int]:
        row = await self.get_row(project_id=project_id)
        self._check_may_write(principal, row.project)
        milestone = await self._milestone(row.project, milestone_id)
        check_if_match(if_match, milestone.version)
        on = today()
        before = milestone_read(milestone, today=on)
        changes = data.model_dump(exclude_unset=True)
        _reject_nulls(changes, ("title", "due_date"))
        if "completed_date" in changes:
            _check_completed(changes["completed_date"])
        for field in ("title", "due_date", "completed_date"):
            if field in changes:
                setattr(milestone, field, changes[field])
        await self.repository.flush()
        after = milestone_read(milestone, today=on)
        await self.audit.record(
            actor=principal,
            action="update",
            entity_type="milestone",
            entity_id=milestone.id,
            before=to_audit(before),
            after=to_audit(after),
        )
        return after, milestone.version

    async def _milestone(self, project: Project, milestone_id: uuid.UUID) -> Milestone:
        milestone = await self.repository.milestone(
            project_id=project.id, milestone_id=milestone_id
        )
        if milestone is None:
            raise MilestoneNotFound(f"Project {project.code} has no milestone {milestone_id}.")
        return milestone
