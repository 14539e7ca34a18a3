from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.core.schemas import RequestSchema, ResponseSchema
from app.projects.models import ProjectRag, ProjectStatus

ProjectCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
OrgCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class ProjectFields(RequestSchema):
    title: Title | None = None
    description: LongText | None = None
    manager_id: uuid.UUID | None = None
    org_unit_code: OrgCode | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: ProjectStatus | None = None
    manager_rag: ProjectRag | None = Field(
        default=None, description="The manager's own RAG; needs manager_rag_reason; null clears"
    )
    manager_rag_reason: Reason | None = None


class ProjectCreate(ProjectFields):
    code: ProjectCode
    title: Title
    org_unit_code: OrgCode
    status: ProjectStatus = ProjectStatus.NOT_STARTED


class ProjectPatch(ProjectFields):
    """Only the fields sent change; null clears an optional one."""


class ProjectRead(ResponseSchema):
    id: uuid.UUID
    code: str
    title: str
    description: str | None
    manager_id: uuid.UUID | None
    org_unit_code: str
    start_date: date | None
    end_date: date | None
    status: ProjectStatus
    manager_rag: ProjectRag | None
    manager_rag_reason: str | None
    manager_rag_at: datetime | None
    derived_rag: ProjectRag | None = Field(description="From overdue milestones: 0 green, 1 amber")
    rag: ProjectRag | None = Field(description="The manager's RAG where set, else the derived one")
    milestones_total: int
    milestones_completed: int
    milestones_overdue: int
    created_at: datetime
    updated_at: datetime


class MilestoneCreate(RequestSchema):
    title: Title
    due_date: date
    completed_date: date | None = None


class MilestonePatch(RequestSchema):
    title: Title | None = None
    due_date: date | None = None
    completed_date: date | None = Field(default=None, description="null: not completed")


class MilestoneRead(ResponseSchema):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    due_date: date
    completed_date: date | None
    overdue: bool
    created_at: datetime
    updated_at: datetime
