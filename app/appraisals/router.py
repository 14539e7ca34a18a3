"""Personal objectives and appraisals. Every route answers 404 to whoever is not the person,
one of their line managers up the chain or an admin: the service decides, so no permission is
declared here beyond being signed in."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.access.dependencies import CurrentPrincipal
from app.appraisals.models import PersonalObjectiveStatus
from app.appraisals.schemas import (
    FinancialYear,
    PersonalObjectiveCreate,
    PersonalObjectiveRead,
    PersonalObjectiveUpdate,
    ReviewCreate,
    ReviewRead,
    ReviewUpdate,
)
from app.appraisals.service import AppraisalService
from app.core.deps import SessionDep
from app.core.etag import set_etag
from app.core.pagination import Paging
from app.core.schemas import Page

router = APIRouter(tags=["appraisals"])

IfMatch = Annotated[str | None, Header(description="The ETag you read; 412 if it changed")]
YearFilter = Annotated[FinancialYear | None, Query(description="Objectives for this year")]

OBJECTIVE = "/personal-objectives/{objective_id}"


@router.get("/users/{user_id}/objectives", response_model=Page[PersonalObjectiveRead])
async def list_person_objectives(
    user_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: Paging,
    financial_year: YearFilter = None,
    status: PersonalObjectiveStatus | None = None,
) -> Page[PersonalObjectiveRead]:
    """A person's objectives, newest year first: for the person, their line managers and
    admins (404 for anyone else)."""
    items, total = await AppraisalService(session).list_for(
        principal=principal,
        user_id=user_id,
        financial_year=financial_year,
        status=status,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post(
    "/users/{user_id}/objectives",
    response_model=PersonalObjectiveRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_person_objective(
    user_id: uuid.UUID,
    body: PersonalObjectiveCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> PersonalObjectiveRead:
    """Set a personal objective for a year, serving objectives of the person's service plan
    (by the person, a line manager or an admin)."""
    created, version = await AppraisalService(session).create(
        principal=principal, user_id=user_id, data=body
    )
    response.headers["Location"] = f"/api/v1/personal-objectives/{created.id}"
    set_etag(response, version)
    return created


@router.get("/me/objectives", response_model=Page[PersonalObjectiveRead])
async def list_my_objectives(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: Paging,
    financial_year: YearFilter = None,
    status: PersonalObjectiveStatus | None = None,
) -> Page[PersonalObjectiveRead]:
    """The signed-in person's own objectives."""
    items, total = await AppraisalService(session).list_mine(
        principal=principal,
        financial_year=financial_year,
        status=status,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.get(OBJECTIVE, response_model=PersonalObjectiveRead)
async def get_personal_objective(
    objective_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> PersonalObjectiveRead:
    """One personal objective (404 unless it is yours, you manage its person, or you are an
    admin)."""
    read, version = await AppraisalService(session).read(
        principal=principal, objective_id=objective_id
    )
    set_etag(response, version)
    return read


@router.patch(OBJECTIVE, response_model=PersonalObjectiveRead)
async def update_personal_objective(
    objective_id: uuid.UUID,
    body: PersonalObjectiveUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> PersonalObjectiveRead:
    """Change a personal objective: its wording, year, links, due date, status or progress."""
    read, version = await AppraisalService(session).update(
        principal=principal, objective_id=objective_id, data=body, if_match=if_match
    )
    set_etag(response, version)
    return read


@router.get(OBJECTIVE + "/reviews", response_model=Page[ReviewRead])
async def list_reviews(
    objective_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, paging: Paging
) -> Page[ReviewRead]:
    """The mid-year and end-of-year reviews of a personal objective."""
    items, total = await AppraisalService(session).reviews(
        principal=principal,
        objective_id=objective_id,
        offset=paging.offset,
        limit=paging.page_size,
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post(OBJECTIVE + "/reviews", response_model=ReviewRead, status_code=201)
async def create_review(
    objective_id: uuid.UUID,
    body: ReviewCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> ReviewRead:
    """Record a mid-year or end-of-year review: the rating and comments of a line manager up
    the chain (or of an admin on their behalf); the person adds their own comments with PATCH."""
    created, version = await AppraisalService(session).add_review(
        principal=principal, objective_id=objective_id, data=body
    )
    response.headers["Location"] = (
        f"/api/v1/personal-objectives/{objective_id}/reviews/{created.id}"
    )
    set_etag(response, version)
    return created


@router.get(OBJECTIVE + "/reviews/{review_id}", response_model=ReviewRead)
async def get_review(
    objective_id: uuid.UUID,
    review_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> ReviewRead:
    """One review of a personal objective."""
    read, version = await AppraisalService(session).read_review(
        principal=principal, objective_id=objective_id, review_id=review_id
    )
    set_etag(response, version)
    return read


@router.patch(OBJECTIVE + "/reviews/{review_id}", response_model=ReviewRead)
async def update_review(
    objective_id: uuid.UUID,
    review_id: uuid.UUID,
    body: ReviewUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ReviewRead:
    """Change a review: the line manager its rating and comments, the person their own
    comments (each field is one side's alone: 422 for the other)."""
    read, version = await AppraisalService(session).update_review(
        principal=principal,
        objective_id=objective_id,
        review_id=review_id,
        data=body,
        if_match=if_match,
    )
    set_etag(response, version)
    return read
