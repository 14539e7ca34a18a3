from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field, model_validator

from app.core.schemas import RequestSchema, ResponseSchema
from app.publications.models import CommentStatus, PublicationKind


class PublicationCreate(RequestSchema):
    kind: PublicationKind
    period: str | None = Field(
        default=None, max_length=16, description="board_pack, scorecard, exceptions: 2025-26-Q2"
    )
    year: str | None = Field(default=None, max_length=16, description="outturn: 2025-26")
    committee_id: uuid.UUID | None = Field(default=None, description="The committee's measures")
    org_unit: str | None = Field(default=None, max_length=32, description="This unit and below")
    title: str | None = Field(default=None, min_length=1, max_length=300)

    @model_validator(mode="after")
    def _period_or_year(self) -> PublicationCreate:
        if self.kind is PublicationKind.OUTTURN:
            if self.year is None or self.period is not None:
                raise ValueError("an outturn takes year (e.g. 2025-26), not period")
        elif self.period is None or self.year is not None:
            raise ValueError(f"a {self.kind.value} takes period (e.g. 2025-26-Q2), not year")
        return self


class ContentRead(ResponseSchema):
    format: str
    media_type: str
    sha256: str
    size: int


class PublicationRead(ResponseSchema):
    id: uuid.UUID
    number: int = Field(description="1, 2, 3...: each publication its own, never reused")
    kind: PublicationKind
    title: str
    period: str = Field(description="The period, or the year of an outturn")
    committee_id: uuid.UUID | None
    org_unit: str | None
    sha256: str = Field(description="SHA-256 of the published data snapshot (the json content)")
    published_at: datetime
    published_by: str
    published_by_id: uuid.UUID | None
    contents: list[ContentRead] = Field(description="Every format, rendered when published")


class PublicationDetail(PublicationRead):
    revised_since_publication: list[str] = Field(
        description="Measures whose figure today differs from the one published"
    )


class PublicationCommentCreate(RequestSchema):
    body: str = Field(min_length=1, max_length=10_000)
    reply_to_id: uuid.UUID | None = Field(
        default=None, description="Answer this question (officers); it is then answered"
    )


class PublicationCommentRead(ResponseSchema):
    id: uuid.UUID
    publication_id: uuid.UUID
    reply_to_id: uuid.UUID | None
    body: str
    author_name: str
    status: CommentStatus | None = Field(description="A question: open until answered")
    created_at: datetime


class MeetingCreate(RequestSchema):
    date: date
    title: str = Field(min_length=1, max_length=300)
    period: str | None = Field(default=None, max_length=16, description="The quarter reviewed")
    publication_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class CalendarCreate(RequestSchema):
    financial_year: str = Field(max_length=16, description="2025-26")


class MeetingRead(ResponseSchema):
    id: uuid.UUID
    committee_id: uuid.UUID
    date: date
    title: str
    period: str | None
    publication_ids: list[uuid.UUID]
    papers_due: list[PublicationKind] = Field(
        description="The reports a meeting reviewing a period expects"
    )
    missing: list[PublicationKind] = Field(
        description="Papers due with no publication of that kind and period attached"
    )
