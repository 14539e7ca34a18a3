from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.core.deps import SessionDep, SettingsDep
from app.core.pagination import Paging, page_of
from app.core.schemas import Page
from app.publications.models import PublicationKind
from app.publications.schemas import (
    CalendarCreate,
    MeetingCreate,
    MeetingRead,
    PublicationCommentCreate,
    PublicationCommentRead,
    PublicationCreate,
    PublicationDetail,
    PublicationRead,
)
from app.publications.service import PublicationService
from app.reports.board_pack import MEDIA_TYPES, PackFormat
from app.reports.rendering import XLSX_MEDIA_TYPE, attachment
from app.status.dependencies import StatusServiceDep

router = APIRouter(prefix="/reports/publications", tags=["publications"])
meetings_router = APIRouter(prefix="/committees/{committee_id}/meetings", tags=["committees"])

Reader = Annotated[Principal, Depends(require(Permission.REPORTS_READ))]
Publisher = Annotated[Principal, Depends(require(Permission.REPORTS_PUBLISH))]
Commenter = Annotated[Principal, Depends(require(Permission.COMMENTS_WRITE))]
_BINARY = {"schema": {"type": "string", "format": "binary"}}


async def _service(
    session: SessionDep, statuses: StatusServiceDep, settings: SettingsDep
) -> PublicationService:
    return PublicationService(session, statuses=statuses, settings=settings)


Service = Annotated[PublicationService, Depends(_service)]


@router.post("", response_model=PublicationRead, status_code=status.HTTP_201_CREATED)
async def publish_report(
    body: PublicationCreate, principal: Publisher, service: Service, response: Response
) -> PublicationRead:
    """Publish a report: rendered now in every format, stored with its data snapshot and
    SHA-256, never changed afterwards. Publishing again makes a new publication."""
    read = await service.publish(principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/reports/publications/{read.id}"
    return read


@router.get("", response_model=Page[PublicationRead])
async def list_publications(
    _: Reader,
    service: Service,
    paging: Paging,
    kind: PublicationKind | None = None,
    period: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[PublicationRead]:
    """Published reports, newest first."""
    items, total = await service.list_page(
        kind=kind, period_code=period, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.get("/{publication_id}", response_model=PublicationDetail)
async def get_publication(
    publication_id: uuid.UUID, principal: Reader, service: Service
) -> PublicationDetail:
    """One publication, naming the measures whose figures were revised since it was published."""
    return await service.detail(principal=principal, publication_id=publication_id)


@router.get(
    "/{publication_id}/content",
    response_class=Response,
    responses={
        200: {
            "description": "The publication's bytes in the format asked for, as published",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                MEDIA_TYPES[PackFormat.HTML]: {"schema": {"type": "string"}},
                MEDIA_TYPES[PackFormat.PDF]: _BINARY,
                MEDIA_TYPES[PackFormat.DOCX]: _BINARY,
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: _BINARY,
            },
        }
    },
)
async def get_publication_content(
    publication_id: uuid.UUID,
    _: Reader,
    service: Service,
    export_format: Annotated[
        str | None,
        Query(
            alias="format",
            max_length=8,
            description="board_pack: html (default), pdf, docx, json; scorecard and exceptions: "
            "json (default), csv; outturn: json (default), csv, xlsx",
        ),
    ] = None,
) -> Response:
    """The publication as it was published, from storage (never recomputed)."""
    row, stored = await service.content(publication_id=publication_id, fmt=export_format)
    headers = {"ETag": f'"{stored.sha256}"', "Digest": f"sha-256={stored.sha256}"}
    if stored.format not in ("json", "html"):
        headers |= attachment(f"{row.kind.value}-{row.period_code}-{row.number}.{stored.format}")
    return Response(stored.content, media_type=stored.media_type, headers=headers)


@router.get("/{publication_id}/comments", response_model=Page[PublicationCommentRead])
async def list_publication_comments(
    publication_id: uuid.UUID, _: Reader, service: Service, paging: Paging
) -> Page[PublicationCommentRead]:
    """Questions on the publication and their answers, oldest first."""
    items, total = await service.comments(
        publication_id=publication_id, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@router.post(
    "/{publication_id}/comments",
    response_model=PublicationCommentRead,
    status_code=status.HTTP_201_CREATED,
)
async def comment_on_publication(
    publication_id: uuid.UUID,
    body: PublicationCommentCreate,
    principal: Commenter,
    service: Service,
) -> PublicationCommentRead:
    """Ask a question on the publication (open until answered), or answer one (officers)."""
    return await service.comment(principal=principal, publication_id=publication_id, data=body)


@meetings_router.get("", response_model=Page[MeetingRead])
async def list_meetings(
    committee_id: uuid.UUID, _: Reader, service: Service, paging: Paging
) -> Page[MeetingRead]:
    """The committee's meetings by date, with the papers laid and those still missing."""
    items, total = await service.meetings(
        committee_id=committee_id, offset=paging.offset, limit=paging.page_size
    )
    return Page(items=items, page=paging.page, page_size=paging.page_size, total=total)


@meetings_router.post("", response_model=MeetingRead, status_code=status.HTTP_201_CREATED)
async def add_meeting(
    committee_id: uuid.UUID, body: MeetingCreate, principal: Publisher, service: Service
) -> MeetingRead:
    """Add a meeting and the publications laid before it."""
    return await service.add_meeting(principal=principal, committee_id=committee_id, data=body)


@meetings_router.post("/calendar", response_model=Page[MeetingRead])
async def add_quarterly_meetings(
    committee_id: uuid.UUID,
    body: CalendarCreate,
    principal: Publisher,
    service: Service,
    paging: Paging,
) -> Page[MeetingRead]:
    """One meeting per quarter of the year from the quarters' board dates (those not yet
    in the calendar); the meetings made."""
    made = await service.calendar(
        principal=principal, committee_id=committee_id, financial_year=body.financial_year
    )
    return Page(**page_of(made, paging))
