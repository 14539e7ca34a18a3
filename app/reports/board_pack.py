"""The quarterly Performance Board pack: its content built once (app.reports.pack.content),
rendered as HTML, PDF or DOCX.

The HTML is a Jinja2 template with autoescaping on: every council-entered text is escaped;
only the charts, drawn here, and the logo, checked against an allow-list when it was set, are
marked safe. The PDF and DOCX are drawn from the same blocks (app.reports.pack.pdf, .docx).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.core.clock import utcnow
from app.core.config import Settings
from app.indicators.repository import IndicatorFilter
from app.measures.measure import summarise
from app.periods.service import PeriodService
from app.reports.pack.content import Pack
from app.reports.pack.docx import render_docx
from app.reports.pack.pdf import render_pdf
from app.reports.pack.sections import SECTIONS, PackContext, period_label
from app.reports.repository import PackRepository
from app.reports.service import ReportService
from app.settings.service import SettingsService
from app.status.service import StatusService

_TEMPLATES = Path(__file__).parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Charts are drawn by app.spc.charts; the logo passed app.settings.logo's allow-list.
_ENVIRONMENT.filters["drawn"] = lambda text: Markup(text)  # noqa: S704

TITLE = "Performance Board report"


class PackFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"


MEDIA_TYPES = {
    PackFormat.HTML: "text/html; charset=utf-8",
    PackFormat.PDF: "application/pdf",
    PackFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


class BoardPackService:
    def __init__(
        self, session: AsyncSession, *, statuses: StatusService, settings: Settings
    ) -> None:
        self.session = session
        self.statuses = statuses
        self.settings = settings

    async def content(
        self,
        *,
        principal: Principal,
        period_code: str,
        filters: IndicatorFilter,
        published_by: str | None = None,
        produced_at: datetime | None = None,
        formats: Collection[PackFormat] = tuple(PackFormat),
    ) -> Pack:
        """The pack's content for a period and the report filters, every section built once,
        its charts drawn as the `formats` to be rendered from it show them."""
        period = await PeriodService(self.session).get(code=period_code)
        rows = await self.statuses.statuses(
            principal=principal, period_code=period.code, filters=filters
        )
        exceptions = await ReportService(self.session, statuses=self.statuses).exceptions(
            principal=principal, period_code=period.code, filters=filters
        )
        spend = await ReportService(self.session, statuses=self.statuses).spend(
            principal=principal, period_code=period.code, filters=filters
        )
        council, _ = await SettingsService(self.session, settings=self.settings).council()
        context = PackContext(
            session=self.session,
            principal=principal,
            period=period,
            filters=filters,
            org_unit_ids=set(filters.org_unit_ids) if filters.org_unit_ids is not None else None,
            rows=rows,
            summary=summarise(rows),
            exceptions=exceptions,
            spend=spend,
            chart_text=PackFormat.HTML in formats,
            chart_outlines=PackFormat.DOCX in formats,
            chart_plot=PackFormat.PDF in formats,
        )
        sections = [section for build in SECTIONS if (section := await build(context))]
        as_at = await PackRepository(self.session).latest_approval()
        produced = produced_at or utcnow()
        return Pack(
            title=TITLE,
            council_name=council.name,
            logo_svg=council.logo_svg,
            period_code=period.code,
            subtitle=period_label(period),
            version=(
                ("Period", period.code),
                ("Produced", _stamp(produced)),
                ("Published by", published_by or "Not published: a working view"),
                ("Data as at", _stamp(as_at) if as_at else "No figure approved yet"),
            ),
            sections=sections,
            produced_at=produced,
        )

    async def render(self, *, pack: Pack, export_format: PackFormat) -> bytes:
        """The pack in a format; PDF and DOCX are drawn off the event loop."""
        if export_format is PackFormat.HTML:
            return render_html(pack).encode()
        renderer = render_pdf if export_format is PackFormat.PDF else render_docx
        return await anyio.to_thread.run_sync(renderer, pack)


def render_html(pack: Pack) -> str:
    return _ENVIRONMENT.get_template("board_pack.html").render(pack=pack)
