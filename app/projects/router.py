from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging, page_of
from app.core.schemas import Page
from app.projects.models import ProjectStatus
from app.projects.repository import ProjectFilter
from app.projects.schemas import (
    MilestoneCreate,
    MilestonePatch,
    MilestoneRead,
    ProjectCreate,
    ProjectPatch,
    ProjectRead,
)
from app.projects.service import ProjectService

router = APIRouter(prefix="/projects", tags=["projects"])

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.PLANS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]


@router.get("", response_model=Page[ProjectRead])
async def list_projects(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    status: ProjectStatus | None = None,
    manager_id: uuid.UUID | None = None,
) -> Page[ProjectRead]:
    """List projects with their RAG, filtered by org unit (with descendants), status, manager."""
    items, total = await ProjectService(session).list_page(
        org_unit_code=org_unit,
        filters=ProjectFilter(status=status, manager_id=manager_id),
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("", response_model=ProjectRead, status_code=status.HTTP_201_CREATED)
async def create_project(
    body: ProjectCreate, principal: Writer, session: SessionDep, response: Response
) -> ProjectRead:
    """Add a project."""
    created, version = await ProjectService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/projects/{created.id}"
    set_etag(response, version)
    return created


@router.get("/{project_id}", response_model=ProjectRead)
async def get_project(
    project_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> ProjectRead:
    """One project: the manager's RAG, the RAG derived from its milestones, and the one shown."""
    read, version = await ProjectService(session).read(project_id=project_id)
    set_etag(response, version)
    return read


@router.patch("/{project_id}", response_model=ProjectRead)
async def update_project(
    project_id: uuid.UUID,
    body: ProjectPatch,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectRead:
    """Change a project, or set the manager's RAG with a reason (null clears it)."""
    read, version = await ProjectService(session).update(
        principal=principal, project_id=project_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.get("/{project_id}/milestones", response_model=Page[MilestoneRead])
async def list_milestones(
    project_id: uuid.UUID, _: Reader, session: SessionDep, paging: Paging
) -> Page[MilestoneRead]:
    """The project's milestones in due-date order."""
    milestones = await ProjectService(session).list_milestones(project_id=project_id)
    return Page(**page_of(milestones, paging))


@router.post(
    "/{project_id}/milestones", response_model=MilestoneRead, status_code=status.HTTP_201_CREATED
)
async def create_milestone(
    project_id: uuid.UUID,
    body: MilestoneCreate,
    principal: Writer,
    session: SessionDep,
    response: Response,
) -> MilestoneRead:
    """Add a milestone to a project."""
    created, version = await ProjectService(session).add_milestone(
        principal=principal, project_id=project_id, data=body
    )
    response.headers["Location"] = f"/api/v1/projects/{project_id}/milestones/{created.id}"
    set_etag(response, version)
    return created


@router.get("/{project_id}/milestones/{milestone_id}", response_model=MilestoneRead)
async def get_milestone(
    project_id: uuid.UUID,
    milestone_id: uuid.UUID,
    _: Reader,
    session: SessionDep,
    response: Response,
) -> MilestoneRead:
    """One milestone."""
    read, version = await ProjectService(session).get_milestone(
        project_id=project_id, milestone_id=milestone_id
    )
    set_etag(response, version)
    return read


@router.patch("/{project_id}/milestones/{milestone_id}", response_model=MilestoneRead)
async def update_milestone(
    project_id: uuid.UUID,
    milestone_id: uuid.UUID,
    body: MilestonePatch,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> MilestoneRead:
    """Change a milestone, or record its completion (completed_date; null reopens it)."""
    read, version = await ProjectService(session).update_milestone(
        principal=principal,
        project_id=project_id,
        milestone_id=milestone_id,
        data=body,
        if_match=if_match,
    )
    set_etag(response, version)
    return read
