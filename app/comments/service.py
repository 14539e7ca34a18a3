"""Scrutiny: councillors' questions and officers' answers on an indicator's results."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.service import AuditService, to_audit
from app.comments.exceptions import ReplyNotOnThisIndicator, UnknownPeriod
from app.comments.models import Comment
from app.comments.repository import CommentRepository
from app.comments.schemas import CommentCreate, CommentRead
from app.events.models import EventType
from app.events.outbox import emit
from app.indicators.service import IndicatorService
from app.periods.models import Period


def to_read(comment: Comment, *, indicator_code: str, period: str | None) -> CommentRead:
    return CommentRead(
        id=comment.id,
        indicator_code=indicator_code,
        period=period,
        reply_to_id=comment.reply_to_id,
        body=comment.body,
        author_id=comment.author_id,
        author_name=comment.author_name,
        author_role=comment.author_role,
        created_at=comment.created_at,
    )


class CommentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CommentRepository(session)
        self.indicators = IndicatorService(session)

    async def list(self, *, code: str, period_code: str | None) -> list[CommentRead]:
        indicator = await self.indicators.get(code=code)
        period = await self.indicators.periods.get(code=period_code) if period_code else None
        return [
            to_read(comment, indicator_code=indicator.code, period=code)
            for comment, code in await self.repository.for_indicator(
                indicator_id=indicator.id, period_id=period.id if period else None
            )
        ]

    async def create(self, *, principal: Principal, code: str, data: CommentCreate) -> CommentRead:
        indicator = await self.indicators.get(code=code)
        period = await self._period(code=data.period)
        question = None
        if data.reply_to_id is not None:
            question = await self._require_reply_target(
                comment_id=data.reply_to_id, indicator_id=indicator.id
            )
            # An answer belongs to its question's period unless it names one.
            if period is None and question.period_id is not None:
                period = await self.repository.period(period_id=question.period_id)
        roles = sorted(role.value for role in principal.roles)
        comment = await self.repository.add(
            comment=Comment(
                indicator_id=indicator.id,
                period_id=period.id if period else None,
                reply_to_id=data.reply_to_id,
                body=data.body,
                author_id=principal.id,
                author_name=principal.name,
                author_role=roles[0] if len(roles) == 1 else (",".join(roles) or None),
            )
        )
        read = to_read(
            comment, indicator_code=indicator.code, period=period.code if period else None
        )
        if question is not None and question.author_id != principal.id:
            emit(
                self.session,
                event_type=EventType.COMMENT_REPLIED,
                title=f"{principal.name} replied to your comment on {indicator.code}",
                body=data.body,
                data={**read.model_dump(mode="json"), "question": question.body},
                recipients=[question.author_id],
            )
        await AuditService(self.session).record(
            actor=principal,
            action="comment",
            entity_type="indicator_comment",
            entity_id=comment.id,
            after=to_audit(read),
        )
        return read

    async def _period(self, *, code: str | None) -> Period | None:
        if code is None:
            return None
        period = await self.indicators.periods.repository.by_code(code=code)
        if period is None:
            raise UnknownPeriod(
                f"No period has the code {code!r}.",
                errors=[{"loc": ["body", "period"], "msg": "unknown period", "type": "not_found"}],
            )
        return period

    async def _require_reply_target(
        self, *, comment_id: uuid.UUID, indicator_id: uuid.UUID
    ) -> Comment:
        target = await self.repository.get(comment_id=comment_id)
        if target is None or target.indicator_id != indicator_id:
            raise ReplyNotOnThisIndicator(
                "reply_to_id names no comment on this indicator.",
                errors=[
                    {"loc": ["body", "reply_to_id"], "msg": "unknown comment", "type": "not_found"}
                ],
            )
        return target
