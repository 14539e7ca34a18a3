from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.comments.models import Comment
from app.periods.models import Period


class CommentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, comment_id: uuid.UUID) -> Comment | None:
        """One comment by its id."""
        return await self.session.get(Comment, comment_id)

    async def period(self, *, period_id: uuid.UUID) -> Period | None:
        """The period a comment is on."""
        return await self.session.get(Period, period_id)

    async def for_indicator(
        self, *, indicator_id: uuid.UUID, period_id: uuid.UUID | None
    ) -> Sequence[tuple[Comment, str | None]]:
        """An indicator's comments (on one period, if given) with their period codes, oldest
        first."""
        query = (
            select(Comment, Period.code)
            .outerjoin(Period, Period.id == Comment.period_id)
            .where(Comment.indicator_id == indicator_id)
        )
        if period_id is not None:
            query = query.where(Comment.period_id == period_id)
        rows = await self.session.execute(query.order_by(Comment.created_at, Comment.id))
        return [(row[0], row[1]) for row in rows]

    async def add(self, *, comment: Comment) -> Comment:
        """Store a new comment."""
        self.session.add(comment)
        await self.session.flush()
        return comment
