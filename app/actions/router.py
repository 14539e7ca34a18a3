from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.access.dependencies import CurrentPrincipal, require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.actions.models import ActionStatus
from app.actions.repository import ActionFilter
from app.actions.schemas import (
    ActionCreate,
    ActionPatch,
    ActionRead,
    ActionSettingsIn,
    ActionSettingsRead,
    ActionUpdateCreate,
    ActionUpdateRead,
)
from app.actions.service import ActionService
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging, page_of
from app.core.schemas import Page

# No prefix: the action RAG thresholds live under /settings with the other council settings.
router = APIRouter()
TAGS: list[str | Enum] = ["actions"]

Reader = Annotated[Principal, Depends(require(Permission.PLANS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.ACTIONS_WRITE))]
IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]


@router.get("/actions", tags=TAGS, response_model=Page[ActionRead])
async def list_actions(
    _: Reader,
    session: SessionDep,
    paging: Paging,
    org_unit: Annotated[str | None, Query(description="This org unit and all below it")] = None,
    owner_id: uuid.UUID | None = None,
    status: ActionStatus | None = None,
    overdue: Annotated[bool | None, Query(description="Past due, not done")] = None,
    indicator_code: Annotated[str | None, Query(max_length=32)] = None,
    period: Annotated[str | None, Query(max_length=32, description="e.g. 2025-26-Q2")] = None,
    objective_id: uuid.UUID | None = None,
    risk_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    recommendation_id: uuid.UUID | None = None,
) -> Page[ActionRead]:
    """List actions, filtered by org unit (with descendants), owner, status, what they answer."""
    items, total = await ActionService(session).list_page(
        org_unit_code=org_unit,
        filters=ActionFilter(
            owner_id=owner_id,
            status=status,
            overdue=overdue,
            indicator_code=indicator_code,
            period_code=period,
            objective_id=objective_id,
            risk_id=risk_id,
            project_id=project_id,
            recommendation_id=recommendation_id,
        ),
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post("/actions", tags=TAGS, response_model=ActionRead, status_code=status.HTTP_201_CREATED)
async def create_action(
    body: ActionCreate, principal: Writer, session: SessionDep, response: Response
) -> ActionRead:
    """Add an action: for a red or amber measure in a period, an objective, a risk, a project or
    a recommendation."""
    created, version = await ActionService(session).create(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/actions/{created.id}"
    set_etag(response, version)
    return created


@router.get("/actions/{action_id}", tags=TAGS, response_model=ActionRead)
async def get_action(
    action_id: uuid.UUID, _: Reader, session: SessionDep, response: Response
) -> ActionRead:
    """One action, with its time-based RAG, overdue flag and expected progress."""
    read, version = await ActionService(session).read(action_id=action_id)
    set_etag(response, version)
    return read


@router.patch("/actions/{action_id}", tags=TAGS, response_model=ActionRead)
async def update_action(
    action_id: uuid.UUID,
    body: ActionPatch,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ActionRead:
    """Change an action (its owner may change only its description, status and progress)."""
    read, version = await ActionService(session).update(
        principal=principal, action_id=action_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.get("/actions/{action_id}/updates", tags=TAGS, response_model=Page[ActionUpdateRead])
async def list_action_updates(
    action_id: uuid.UUID, _: Reader, session: SessionDep, paging: Paging
) -> Page[ActionUpdateRead]:
    """The action's progress updates, oldest first."""
    updates = await ActionService(session).list_updates(action_id=action_id)
    return Page(**page_of(updates, paging))


@router.post(
    "/actions/{action_id}/updates",
    tags=TAGS,
    response_model=ActionUpdateRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_action_update(
    action_id: uuid.UUID,
    body: ActionUpdateCreate,
    principal: Writer,
    session: SessionDep,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="The action's ETag; 412 if the action changed")
    ] = None,
) -> ActionUpdateRead:
    """Record dated progress on an action; the action takes its percent complete and status."""
    update, _version = await ActionService(session).add_update(
        principal=principal, action_id=action_id, data=body, if_match=if_match
    )
    response.headers["Location"] = f"/api/v1/actions/{action_id}/updates"
    return update


@router.get("/settings/actions", response_model=ActionSettingsRead, tags=["settings"])
async def get_action_settings(
    _: CurrentPrincipal, session: SessionDep, response: Response
) -> ActionSettingsRead:
    """The council-wide thresholds of the action RAG (percentages of expected progress)."""
    read, version = await ActionService(session).settings()
    set_etag(response, version)
    return read


@router.put("/settings/actions", response_model=ActionSettingsRead, tags=["settings"])
async def update_action_settings(
    body: ActionSettingsIn,
    principal: Annotated[Principal, Depends(require(Permission.SETTINGS_WRITE))],
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ActionSettingsRead:
    """Set the action RAG thresholds (admin): green at or above on_track_at, red below
    red_below."""
    read, version = await ActionService(session).update_settings(
        principal=principal, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read
