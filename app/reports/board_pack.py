"""The quarterly Performance Board pack: a printable HTML report of the period's performance.

Summary counts, the exception report (red and amber measures with commentary and corrective
actions) and an XmR chart for each key indicator, inlined as SVG so the page stands alone.
Templates are Jinja2 with autoescaping on: every council-entered text (titles, commentary,
action titles) is escaped; only the charts, drawn here, are marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.achievements.service import AchievementService
from app.core.clock import today
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.measures.measure import summarise
from app.measures.vocabulary import ValueType
from app.periods import calendar
from app.periods.service import PeriodService
from app.reports.service import ReportService
from app.spc.charts import inline_svg, render_svg
from app.spc.series import IndicatorChart
from app.spc.service import SpcService
from app.status.schemas import StatusRead
from app.status.service import StatusService

_TEMPLATES = Path(__file__).parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

_LABELS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "data_only": "Data only",
    "missing": "Missing",
    "improving": "Improving",
    "worsening": "Worsening",
    "no_change": "No change",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
    "not_available": "n/a",
    "common_cause": "Common cause",
    "improvement_high": "Improvement (high)",
    "improvement_low": "Improvement (low)",
    "concern_high": "Concern (high)",
    "concern_low": "Concern (low)",
    "neutral_high": "Special cause (high)",
    "neutral_low": "Special cause (low)",
    "consistent_pass": "Consistently passing",
    "consistent_fail": "Consistently failing",
    "hit_and_miss": "Hit and miss",
    "run_rate": "run rate",
    "linear_trend": "linear trend",
    "actual": "actual",
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
}


def _label(value: object) -> str:
    """A code such as `hit_and_miss` as words; an em dash for nothing."""
    if value is None:
        return "\u2014"
    text = str(value)
    return _LABELS.get(text, text.replace("_", " "))


def _measure(value: Decimal | None, row: StatusRead) -> str:
    """A figure to the measure's decimal places, with its unit."""
    if value is None:
        return "\u2014"
    text = f"{value:,.{row.decimal_places}f}"
    if row.value_type is ValueType.PERCENTAGE:
        return f"{text}%"
    if row.value_type is ValueType.CURRENCY:
        return f"\u00a3{text}"
    return f"{text} {row.unit}" if row.unit else text


def _long_date(day: date) -> str:
    """1 April 2025."""
    return f"{day.day} {day:%B %Y}"


_ENVIRONMENT.filters["label"] = _label
_ENVIRONMENT.filters["longdate"] = _long_date
_ENVIRONMENT.filters["measure"] = _measure


@dataclass(frozen=True)
class KeyChart:
    row: StatusRead
    svg: Markup


class BoardPackService:
    def __init__(self, session: AsyncSession, *, statuses: StatusService) -> None:
        self.session = session
        self.statuses = statuses

    async def html(
        self, *, principal: Principal, period_code: str, filters: IndicatorFilter
    ) -> str:
        """The board pack for a period and the report filters, as one HTML page."""
        rows = await self.statuses.statuses(
            principal=principal, period_code=period_code, filters=filters
        )
        period = await PeriodService(self.session).get(code=period_code)
        exceptions = await ReportService(self.session, statuses=self.statuses).exceptions(
            principal=principal, period_code=period_code, filters=filters
        )
        key_rows = [row for row in rows if row.is_key]
        svgs = await self._charts(rows=key_rows, period_code=period_code)
        return _ENVIRONMENT.get_template("board_pack.html").render(
            period=period,
            summary=summarise(rows),
            rows=rows,
            exceptions=exceptions,
            key_charts=[KeyChart(row=row, svg=svgs[row.indicator_code]) for row in key_rows],
            achievements=await AchievementService(self.session).for_report(
                period_code=period_code, org_unit_ids=filters.org_unit_ids
            ),
            generated_on=today(),
        )

    async def _charts(self, *, rows: list[StatusRead], period_code: str) -> dict[str, Markup]:
        """Each key indicator's chart up to the period, in a fixed number of queries."""
        if not rows:
            return {}
        codes = {row.indicator_code for row in rows}
        key_filter = IndicatorFilter(codes=codes)
        indicators = await IndicatorRepository(self.session).all_matching(filters=key_filter)
        charts = await SpcService(self.session).charts(
            ids=[indicator.id for indicator in indicators],
            indicators=indicators,
            until=calendar.parse_period(period_code).end_date,
        )
        # Drawing is CPU work: off the event loop, all charts in one go.
        drawn = await anyio.to_thread.run_sync(_draw_all, list(charts.values()))
        return {code: Markup(svg) for code, svg in drawn.items()}  # noqa: S704 - drawn here


def _draw_all(charts: list[IndicatorChart]) -> dict[str, str]:
    return {
        chart.indicator.code: inline_svg(render_svg(chart, element_id=f"chart-{index}"))
        for index, chart in enumerate(charts)
    }
