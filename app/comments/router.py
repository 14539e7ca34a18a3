from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app.access.dependencies import require
from app.access.permissions import Permission
from app.access.principal import Principal
from app.comments.schemas import CommentCreate, CommentRead
from app.comments.service import CommentService
from app.core.deps import SessionDep
from app.core.pagination import Paging, page_of
from app.core.schemas import Page

router = APIRouter(prefix="/indicators/{code}/comments", tags=["comments"])


@router.get("", response_model=Page[CommentRead])
async def list_comments(
    code: str,
    _: Annotated[Principal, Depends(require(Permission.INDICATORS_READ))],
    session: SessionDep,
    paging: Paging,
    period: Annotated[str | None, Query(description="Only comments on this period")] = None,
) -> Page[CommentRead]:
    """Scrutiny questions and answers on an indicator, oldest first."""
    return Page(
        **page_of(await CommentService(session).list(code=code, period_code=period), paging)
    )


@router.post("", response_model=CommentRead, status_code=status.HTTP_201_CREATED)
async def create_comment(
    code: str,
    body: CommentCreate,
    principal: Annotated[Principal, Depends(require(Permission.COMMENTS_WRITE))],
    session: SessionDep,
    response: Response,
) -> CommentRead:
    """Ask a scrutiny question, or answer one (reply_to_id), on an indicator's period."""
    created = await CommentService(session).create(principal=principal, code=code, data=body)
    response.headers["Location"] = (
        f"/api/v1/indicators/{code}/comments?period={created.period or ''}"
    )
    return created
