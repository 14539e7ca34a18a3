from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.comments.models import Comment
from app.periods.models import Period


class CommentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, comment_id: uuid.UUID) -> Comment | None:
        return await self.session.get(Comment, comment_id)

    async def for_indicator(
        self, indicator_id: uuid.UUID, *, period_id: uuid.UUID | None
    ) -> Sequence[tuple[Comment, str | None]]:
        query = (
            select(Comment, Period.code)
            .outerjoin(Period, Period.id == Comment.period_id)
            .where(Comment.indicator_id == indicator_id)
        )
        if period_id is not None:
            query = query.where(Comment.period_id == period_id)
        rows = await self.session.execute(query.order_by(Comment.created_at, Comment.id))
        return [(row[0], row[1]) for row in rows]

    async def for_period(
        self, indicator_ids: Select[Any] | Collection[uuid.UUID], period_code: str
    ) -> dict[uuid.UUID, list[Comment]]:
        """Every comment on the period for these indicators, oldest first, in one statement."""
        rows = await self.session.scalars(
            select(Comment)
            .join(Period, Period.id == Comment.period_id)
            .where(Comment.indicator_id.in_(indicator_ids), Period.code == period_code)
            .order_by(Comment.created_at, Comment.id)
        )
        found: dict[uuid.UUID, list[Comment]] = {}
        for comment in rows:
            found.setdefault(comment.indicator_id, []).append(comment)
        return found

    async def add(self, comment: Comment) -> Comment:
        self.session.add(comment)
        await self.session.flush()
        return comment
