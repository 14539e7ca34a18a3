"""Published, frozen reports: a board pack, scorecard, exception report or outturn rendered
once in every format it is offered in, stored with its data snapshot, a SHA-256 and who
published it, and served from storage ever after. Figures revised later are named when the
publication is read; its bytes never change. Councillors ask questions on a publication, each
open until an officer answers it. Committee meetings list the publications laid before them
and the papers still missing."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.exceptions import PermissionDenied
from app.access.permissions import Permission, Role
from app.access.principal import Grant, Principal
from app.audit.service import AuditService
from app.committees.service import CommitteeService
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import field_error
from app.indicators.repository import IndicatorFilter
from app.periods.calendar import PeriodKind
from app.periods.repository import PeriodRepository
from app.periods.service import PeriodService
from app.publications.exceptions import (
    CommentNotFound,
    FormatNotOffered,
    InvalidPublication,
    PublicationNotFound,
)
from app.publications.models import (
    CommentStatus,
    Meeting,
    Publication,
    PublicationComment,
    PublicationContent,
    PublicationKind,
)
from app.publications.repository import PublicationRepository
from app.publications.schemas import (
    ContentRead,
    MeetingCreate,
    MeetingRead,
    PublicationCommentCreate,
    PublicationCommentRead,
    PublicationCreate,
    PublicationDetail,
    PublicationRead,
)
from app.reports.board_pack import MEDIA_TYPES, BoardPackService, PackFormat, render_html
from app.reports.filters import ReportFilterService
from app.reports.outturn import OutturnService
from app.reports.rendering import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    exceptions_csv,
    outturn_csv_header,
    outturn_csv_line,
    scorecard_csv,
)
from app.reports.schemas import ReportFilters
from app.reports.service import ReportService
from app.status.service import StatusService

JSON_MEDIA_TYPE = "application/json"

FORMATS: dict[PublicationKind, tuple[str, ...]] = {
    PublicationKind.BOARD_PACK: ("json", "html", "pdf", "docx"),
    PublicationKind.SCORECARD: ("json", "csv"),
    PublicationKind.EXCEPTIONS: ("json", "csv"),
    PublicationKind.OUTTURN: ("json", "csv", "xlsx"),
}
TITLES = {
    PublicationKind.BOARD_PACK: "Performance Board report",
    PublicationKind.SCORECARD: "Scorecard",
    PublicationKind.EXCEPTIONS: "Exception report",
    PublicationKind.OUTTURN: "Annual outturn",
}
# What a meeting that reviews a quarter expects to receive.
PAPERS_DUE = (PublicationKind.BOARD_PACK, PublicationKind.EXCEPTIONS)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def canonical_json(value: Any) -> bytes:
    """The snapshot as bytes that hash the same for the same data."""
    return json.dumps(value, default=_plain, sort_keys=True, ensure_ascii=False).encode()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def reader_for(principal: Principal) -> Principal:
    """The publisher as a councillor would see the data: approved figures only, nothing
    pending, whatever the publisher could see themselves."""
    return Principal(
        kind=principal.kind,
        id=principal.id,
        name=principal.name,
        grants=(Grant(role=Role.COUNCILLOR, org_unit_id=None),),
        tree=principal.tree,
    )


@dataclasses.dataclass
class Rendered:
    snapshot: dict[str, Any]
    figures: dict[str, str | None]
    contents: dict[str, tuple[str, bytes]]


class PublicationService:
    def __init__(
        self, session: AsyncSession, *, statuses: StatusService, settings: Settings
    ) -> None:
        self.session = session
        self.statuses = statuses
        self.settings = settings
        self.repository = PublicationRepository(session)

    # Publishing

    async def publish(self, *, principal: Principal, data: PublicationCreate) -> PublicationRead:
        """Render the report in every format it is offered in and store it, frozen."""
        code = data.year if data.kind is PublicationKind.OUTTURN else data.period
        assert code is not None  # the schema requires the one that fits
        if data.committee_id is not None:
            await CommitteeService(self.session).get(committee_id=data.committee_id)
        filters = await ReportFilterService(self.session).resolve(
            filters=ReportFilters(org_unit_code=data.org_unit, committee_id=data.committee_id)
        )
        now = utcnow()
        rendered = await self._render(
            kind=data.kind, code=code, filters=filters, principal=principal, now=now
        )
        period_code = rendered.snapshot["period"]
        json_bytes = rendered.contents["json"][1]
        publication = Publication(
            number=await self.repository.next_number(),
            kind=data.kind,
            title=data.title or f"{TITLES[data.kind]} {period_code}",
            period_code=period_code,
            committee_id=data.committee_id,
            org_unit_code=data.org_unit,
            snapshot={"figures": rendered.figures},
            sha256=sha256(json_bytes),
            data_version=0,
            published_at=now,
            published_by_id=principal.id if principal.is_user else None,
            published_by_name=principal.name,
        )
        publication.id = uuid.uuid4()
        contents = [
            PublicationContent(
                publication_id=publication.id,
                format=fmt,
                media_type=media_type,
                content=content,
                sha256=sha256(content),
                size=len(content),
            )
            for fmt, (media_type, content) in rendered.contents.items()
        ]
        await self.repository.add(publication=publication, contents=contents)
        read = (await self._reads([publication]))[0]
        await AuditService(self.session).record(
            actor=principal,
            action="publish",
            entity_type="publication",
            entity_id=publication.id,
            after=read.model_dump(mode="json"),
        )
        return read

    async def _render(
        self,
        *,
        kind: PublicationKind,
        code: str,
        filters: IndicatorFilter,
        principal: Principal,
        now: datetime,
    ) -> Rendered:
        reader = reader_for(principal)
        if kind is PublicationKind.OUTTURN:
            return await self._outturn(code=code, filters=filters)
        period = await PeriodService(self.session).get(code=code)
        rows = await self.statuses.statuses(
            principal=reader, period_code=period.code, filters=filters
        )
        figures = {row.indicator_code: _figure(row.value) for row in rows}
        reports = ReportService(self.session, statuses=self.statuses)
        if kind is PublicationKind.SCORECARD:
            card = await reports.scorecard(
                principal=reader, period_code=period.code, filters=filters
            )
            snapshot = card.model_dump(mode="json")
            return Rendered(
                snapshot=snapshot,
                figures=figures,
                contents={
                    "json": (JSON_MEDIA_TYPE, canonical_json(snapshot)),
                    "csv": (CSV_MEDIA_TYPE, scorecard_csv(card).encode()),
                },
            )
        if kind is PublicationKind.EXCEPTIONS:
            report = await reports.exceptions(
                principal=reader, period_code=period.code, filters=filters
            )
            snapshot = report.model_dump(mode="json")
            return Rendered(
                snapshot=snapshot,
                figures=figures,
                contents={
                    "json": (JSON_MEDIA_TYPE, canonical_json(snapshot)),
                    "csv": (CSV_MEDIA_TYPE, exceptions_csv(report).encode()),
                },
            )
        packs = BoardPackService(self.session, statuses=self.statuses, settings=self.settings)
        pack = await packs.content(
            principal=reader,
            period_code=period.code,
            filters=filters,
            published_by=f"{principal.name}, {now:%Y-%m-%d %H:%M} UTC",
            produced_at=now,
        )
        snapshot = {"period": period.code, "pack": dataclasses.asdict(pack)}
        pdf = await packs.render(pack=pack, export_format=PackFormat.PDF)
        docx = await packs.render(pack=pack, export_format=PackFormat.DOCX)
        return Rendered(
            snapshot=snapshot,
            figures=figures,
            contents={
                "json": (JSON_MEDIA_TYPE, canonical_json(snapshot)),
                "html": (MEDIA_TYPES[PackFormat.HTML], render_html(pack).encode()),
                "pdf": (MEDIA_TYPES[PackFormat.PDF], pdf),
                "docx": (MEDIA_TYPES[PackFormat.DOCX], docx),
            },
        )

    async def _outturn(self, *, code: str, filters: IndicatorFilter) -> Rendered:
        service = OutturnService(self.session, settings=self.settings)
        year = await service.year(code=code)
        report = await service.report(year=year, filters=filters)
        snapshot = report.model_dump(mode="json")
        snapshot["period"] = year.code
        csv = outturn_csv_header() + b"".join(outturn_csv_line(row) for row in report.rows)
        return Rendered(
            snapshot=snapshot,
            figures={row.indicator_code: _figure(row.outturn) for row in report.rows},
            contents={
                "json": (JSON_MEDIA_TYPE, canonical_json(snapshot)),
                "csv": (CSV_MEDIA_TYPE, csv),
                "xlsx": (XLSX_MEDIA_TYPE, await service.xlsx(year=year, filters=filters)),
            },
        )

    # Reading

    async def get_row(self, *, publication_id: uuid.UUID) -> Publication:
        found = await self.repository.get(publication_id=publication_id)
        if found is None:
            raise PublicationNotFound(f"No publication has the id {publication_id}.")
        return found

    async def _reads(self, rows: Sequence[Publication]) -> list[PublicationRead]:
        contents = await self.repository.contents(publication_ids=[row.id for row in rows])
        return [
            PublicationRead(
                id=row.id,
                number=row.number,
                kind=row.kind,
                title=row.title,
                period=row.period_code,
                committee_id=row.committee_id,
                org_unit=row.org_unit_code,
                sha256=row.sha256,
                published_at=row.published_at,
                published_by=row.published_by_name,
                published_by_id=row.published_by_id,
                contents=[
                    ContentRead(format=fmt, media_type=media, sha256=digest, size=size)
                    for fmt, media, digest, size in contents.get(row.id, [])
                ],
            )
            for row in rows
        ]

    async def list_page(
        self, *, kind: PublicationKind | None, period_code: str | None, offset: int, limit: int
    ) -> tuple[list[PublicationRead], int]:
        rows, total = await self.repository.page(
            kind=kind, period_code=period_code, offset=offset, limit=limit
        )
        return await self._reads(rows), total

    async def detail(self, *, principal: Principal, publication_id: uuid.UUID) -> PublicationDetail:
        """The publication, and the measures whose figures have been revised since."""
        row = await self.get_row(publication_id=publication_id)
        read = (await self._reads([row]))[0]
        published: dict[str, str | None] = row.snapshot.get("figures", {})
        current = await self._current_figures(row=row, principal=principal)
        revised = sorted(
            code for code, value in published.items() if code in current and current[code] != value
        )
        return PublicationDetail(**read.model_dump(), revised_since_publication=revised)

    async def _current_figures(
        self, *, row: Publication, principal: Principal
    ) -> dict[str, str | None]:
        filters = await ReportFilterService(self.session).resolve(
            filters=ReportFilters(org_unit_code=row.org_unit_code, committee_id=row.committee_id)
        )
        if row.kind is PublicationKind.OUTTURN:
            return (await self._outturn(code=row.period_code, filters=filters)).figures
        rows = await self.statuses.statuses(
            principal=reader_for(principal), period_code=row.period_code, filters=filters
        )
        return {status.indicator_code: _figure(status.value) for status in rows}

    async def content(
        self, *, publication_id: uuid.UUID, fmt: str | None
    ) -> tuple[Publication, PublicationContent]:
        """The bytes as published; 422 for a format the publication is not offered in."""
        row = await self.get_row(publication_id=publication_id)
        offered = FORMATS[row.kind]
        chosen = fmt or offered[1 if row.kind is PublicationKind.BOARD_PACK else 0]
        if chosen not in offered:
            raise FormatNotOffered(
                f"A {row.kind.value} is published as {', '.join(offered)}, not {chosen[:20]!r}.",
                errors=[field_error("format", f"one of {', '.join(offered)}", "enum", at="query")],
            )
        stored = await self.repository.content(publication_id=row.id, fmt=chosen)
        assert stored is not None  # every offered format is stored when published
        return row, stored

    # Comments

    async def comments(
        self, *, publication_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[PublicationCommentRead], int]:
        await self.get_row(publication_id=publication_id)
        rows, total = await self.repository.comments_page(
            publication_id=publication_id, offset=offset, limit=limit
        )
        return [_comment_read(row) for row in rows], total

    async def comment(
        self, *, principal: Principal, publication_id: uuid.UUID, data: PublicationCommentCreate
    ) -> PublicationCommentRead:
        """A question (open until answered) or, with reply_to_id, an officer's answer."""
        await self.get_row(publication_id=publication_id)
        question = None
        if data.reply_to_id is not None:
            if not principal.has(Permission.NARRATIVES_WRITE):
                raise PermissionDenied("Only officers answer questions on a publication.")
            question = await self.repository.comment(comment_id=data.reply_to_id)
            if question is None or question.publication_id != publication_id:
                raise CommentNotFound(
                    f"No comment {data.reply_to_id} on this publication.",
                )
            if question.reply_to_id is not None:
                raise InvalidPublication(
                    "Answer the question, not an answer.",
                    errors=[field_error("reply_to_id", "must name a question")],
                )
        comment = PublicationComment(
            publication_id=publication_id,
            reply_to_id=data.reply_to_id,
            body=data.body,
            author_id=principal.id if principal.is_user else None,
            author_name=principal.name,
            status=None if question else CommentStatus.OPEN,
        )
        await self.repository.add_comment(comment=comment)
        if question is not None:
            question.status = CommentStatus.ANSWERED
            await self.repository.flush()
        read = _comment_read(comment)
        await AuditService(self.session).record(
            actor=principal,
            action="create",
            entity_type="publication_comment",
            entity_id=comment.id,
            after=read.model_dump(mode="json"),
        )
        return read

    # Meetings

    async def meetings(
        self, *, committee_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[MeetingRead], int]:
        await CommitteeService(self.session).get(committee_id=committee_id)
        rows, total = await self.repository.meetings_page(
            committee_id=committee_id, offset=offset, limit=limit
        )
        return await self._meeting_reads(rows), total

    async def add_meeting(
        self, *, principal: Principal, committee_id: uuid.UUID, data: MeetingCreate
    ) -> MeetingRead:
        await CommitteeService(self.session).get(committee_id=committee_id)
        if data.period is not None:
            await PeriodService(self.session).get(code=data.period)
        ids = list(dict.fromkeys(data.publication_ids))
        found = await self.repository.existing_ids(ids=ids)
        unknown = [str(pid) for pid in ids if pid not in found]
        if unknown:
            raise InvalidPublication(
                f"No publication has the id {unknown[0]}.",
                errors=[field_error("publication_ids", "unknown publication", "not_found")],
            )
        meeting = Meeting(
            committee_id=committee_id,
            date=data.date,
            title=data.title,
            period_code=data.period,
            created_by_id=principal.id if principal.is_user else None,
        )
        await self.repository.add_meeting(meeting=meeting, publication_ids=ids)
        read = (await self._meeting_reads([meeting]))[0]
        await AuditService(self.session).record(
            actor=principal,
            action="create",
            entity_type="committee_meeting",
            entity_id=meeting.id,
            after=read.model_dump(mode="json"),
        )
        return read

    async def calendar(
        self, *, principal: Principal, committee_id: uuid.UUID, financial_year: str
    ) -> list[MeetingRead]:
        """A meeting for each quarter of the year that has a board date and no meeting yet."""
        await CommitteeService(self.session).get(committee_id=committee_id)
        year = await PeriodService(self.session).get(code=financial_year)
        if year.kind is not PeriodKind.YEAR:
            raise InvalidPublication(
                f"{financial_year} is not a financial year.",
                errors=[field_error("financial_year", "a financial year such as 2025-26")],
            )
        have = await self.repository.meeting_periods(committee_id=committee_id)
        created = []
        periods = await PeriodRepository(self.session).in_year(financial_year=year.code)
        for quarter in sorted(periods, key=lambda period: period.start_date):
            if quarter.kind is not PeriodKind.QUARTER:
                continue
            if quarter.board_date is None or quarter.code in have:
                continue
            created.append(
                await self.add_meeting(
                    principal=principal,
                    committee_id=committee_id,
                    data=MeetingCreate(
                        date=quarter.board_date,
                        title=f"Performance Board: {quarter.code}",
                        period=quarter.code,
                    ),
                )
            )
        return created

    async def _meeting_reads(self, rows: Sequence[Meeting]) -> list[MeetingRead]:
        papers = await self.repository.papers(meeting_ids=[row.id for row in rows])
        reads = []
        for row in rows:
            laid = papers.get(row.id, [])
            due = list(PAPERS_DUE) if row.period_code else []
            present = {p.kind for p in laid if p.period_code == row.period_code}
            reads.append(
                MeetingRead(
                    id=row.id,
                    committee_id=row.committee_id,
                    date=row.date,
                    title=row.title,
                    period=row.period_code,
                    publication_ids=[p.id for p in laid],
                    papers_due=due,
                    missing=[kind for kind in due if kind not in present],
                )
            )
        return reads


def _figure(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _comment_read(row: PublicationComment) -> PublicationCommentRead:
    return PublicationCommentRead(
        id=row.id,
        publication_id=row.publication_id,
        reply_to_id=row.reply_to_id,
        body=row.body,
        author_name=row.author_name,
        status=row.status,
        created_at=row.created_at,
    )
