from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Base, IdMixin
from app.core.types import enum_column


class PublicationKind(StrEnum):
    BOARD_PACK = "board_pack"
    SCORECARD = "scorecard"
    EXCEPTIONS = "exceptions"
    OUTTURN = "outturn"


class CommentStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class Publication(IdMixin, Base):
    """A report as it was published: its data snapshot and every rendering, never changed."""

    __tablename__ = "publication"
    __table_args__ = (Index("ix_publication_period_code_kind", "period_code", "kind"),)

    number: Mapped[int] = mapped_column(unique=True)
    kind: Mapped[PublicationKind] = mapped_column(enum_column(PublicationKind, "publication_kind"))
    title: Mapped[str] = mapped_column(String(300))
    period_code: Mapped[str] = mapped_column(String(16))
    committee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("committee.id", ondelete="RESTRICT")
    )
    org_unit_code: Mapped[str | None] = mapped_column(String(32))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    data_version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_by_name: Mapped[str] = mapped_column(String(320))


class PublicationContent(Base):
    """One format of a publication, as rendered when it was published."""

    __tablename__ = "publication_content"

    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(8), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]


class PublicationComment(IdMixin, Base):
    """A councillor's question on a publication, or an officer's answer to one."""

    __tablename__ = "publication_comment"

    publication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("publication_comment.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(String(320))
    status: Mapped[CommentStatus | None] = mapped_column(
        enum_column(CommentStatus, "publication_comment_status")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


meeting_publication = Table(
    "meeting_publication",
    Base.metadata,
    Column("meeting_id", ForeignKey("committee_meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("publication_id", ForeignKey("publication.id", ondelete="RESTRICT"), primary_key=True),
)


class Meeting(IdMixin, Base):
    """A meeting of a committee and the publications laid before it."""

    __tablename__ = "committee_meeting"

    committee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date]
    title: Mapped[str] = mapped_column(String(300))
    period_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
