"""Every statement of publications, their comments and committee meetings."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import classify_integrity_error
from app.publications.models import (
    Meeting,
    Publication,
    PublicationComment,
    PublicationContent,
    PublicationKind,
    meeting_publication,
)

# The content column is left out of listings: a pack's PDF is megabytes.
_CONTENT_FIELDS = (
    PublicationContent.publication_id,
    PublicationContent.format,
    PublicationContent.media_type,
    PublicationContent.sha256,
    PublicationContent.size,
)

# Publishes racing for a number: each retry follows another publication's commit.
_NUMBER_ATTEMPTS = 50


class PublicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self) -> int:
        """One more than the highest number so far."""
        highest = await self.session.scalar(select(func.max(Publication.number)))
        return (highest or 0) + 1

    async def add(self, *, publication: Publication, contents: list[PublicationContent]) -> None:
        """Store the publication under the next free number, then its contents.

        Two publishes at once may both read the same highest number: the unique constraint
        makes the second insert wait for the first transaction, and refuses it once that has
        committed. Only that insert is undone (a savepoint) and tried again with the number
        after the one just taken, so both publishes succeed, each with its own number. Every
        refusal means another publication was stored, so the loop ends; the bound is a guard.
        """
        for attempt in range(_NUMBER_ATTEMPTS):
            publication.number = await self.next_number()
            try:
                async with self.session.begin_nested():
                    self.session.add(publication)
                    await self.session.flush()
            except IntegrityError as error:
                violation = classify_integrity_error(error)
                taken = violation is not None and violation.columns == ("number",)
                if not taken or attempt == _NUMBER_ATTEMPTS - 1:
                    raise
                continue
            break
        self.session.add_all(contents)
        await self.session.flush()

    async def get(self, *, publication_id: uuid.UUID) -> Publication | None:
        return await self.session.get(Publication, publication_id)

    async def page(
        self, *, kind: PublicationKind | None, period_code: str | None, offset: int, limit: int
    ) -> tuple[Sequence[Publication], int]:
        query = select(Publication)
        if kind is not None:
            query = query.where(Publication.kind == kind)
        if period_code is not None:
            query = query.where(Publication.period_code == period_code)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(Publication.number.desc()).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)

    async def contents(
        self, *, publication_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, str, str, int]]]:
        """Each publication's formats (format, media type, sha256, size), without the bytes."""
        found: dict[uuid.UUID, list[tuple[str, str, str, int]]] = defaultdict(list)
        if not publication_ids:
            return found
        rows = await self.session.execute(
            select(*_CONTENT_FIELDS)
            .where(PublicationContent.publication_id.in_(list(publication_ids)))
            .order_by(PublicationContent.format)
        )
        for publication_id, fmt, media_type, sha256, size in rows.all():
            found[publication_id].append((fmt, media_type, sha256, size))
        return found

    async def content(self, *, publication_id: uuid.UUID, fmt: str) -> PublicationContent | None:
        return await self.session.get(PublicationContent, (publication_id, fmt))

    async def existing_ids(self, *, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Publication]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(Publication).where(Publication.id.in_(list(ids))))
        return {row.id: row for row in rows}

    # Comments

    async def comment(self, *, comment_id: uuid.UUID) -> PublicationComment | None:
        return await self.session.get(PublicationComment, comment_id)

    async def comments_page(
        self, *, publication_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[Sequence[PublicationComment], int]:
        query = select(PublicationComment).where(
            PublicationComment.publication_id == publication_id
        )
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(PublicationComment.created_at, PublicationComment.id)
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), int(total or 0)

    async def add_comment(self, *, comment: PublicationComment) -> None:
        self.session.add(comment)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()

    # Meetings

    async def add_meeting(
        self, *, meeting: Meeting, publication_ids: Collection[uuid.UUID]
    ) -> None:
        self.session.add(meeting)
        await self.session.flush()
        if publication_ids:
            await self.session.execute(
                insert(meeting_publication),
                [{"meeting_id": meeting.id, "publication_id": pid} for pid in publication_ids],
            )

    async def meetings_page(
        self, *, committee_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[Sequence[Meeting], int]:
        query = select(Meeting).where(Meeting.committee_id == committee_id)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(Meeting.date, Meeting.id).offset(offset).limit(limit)
        )
        return rows.all(), int(total or 0)

    async def meeting_periods(self, *, committee_id: uuid.UUID) -> set[str]:
        rows = await self.session.scalars(
            select(Meeting.period_code).where(
                Meeting.committee_id == committee_id, Meeting.period_code.is_not(None)
            )
        )
        return {code for code in rows if code}

    async def papers(
        self, *, meeting_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[Publication]]:
        found: dict[uuid.UUID, list[Publication]] = defaultdict(list)
        if not meeting_ids:
            return found
        rows = await self.session.execute(
            select(meeting_publication.c.meeting_id, Publication)
            .join(Publication, Publication.id == meeting_publication.c.publication_id)
            .where(meeting_publication.c.meeting_id.in_(list(meeting_ids)))
            .order_by(Publication.number)
        )
        for meeting_id, publication in rows.all():
            found[meeting_id].append(publication)
        return found
