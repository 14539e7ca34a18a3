"""The board pack's sections. Each is one function from the pack's context to a Section (or
None to leave it out), listed in SECTIONS in the order they print; a new section (key
achievements, budgets, ...) is one more function in that list. Every function runs a fixed
number of queries, whatever the number of measures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from decimal import Decimal

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.achievements.service import AchievementService
from app.core.clock import today
from app.indicators.repository import IndicatorFilter, IndicatorRepository
from app.measures.measure import Summary
from app.measures.vocabulary import Rag
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.models import Period
from app.projects.repository import ProjectFilter, ProjectRepository
from app.projects.rules import milestone_overdue
from app.projects.service import ProjectService
from app.reports.pack.content import Cell, Chart, Column, Heading, Paragraph, Section, Table, Tone
from app.reports.pack.formatting import (
    DASH,
    label,
    long_date,
    measure,
    rag_cell,
    rag_word,
    shortfall,
    target,
)
from app.reports.repository import NarrativeRepository, PackRepository
from app.reports.schemas import ExceptionReport
from app.risks.repository import RiskFilter
from app.risks.schemas import RiskRead
from app.risks.service import RiskService
from app.spc.charts import inline_svg, render_svg, title
from app.spc.charts import plot as chart_plot
from app.spc.series import IndicatorChart
from app.spc.service import SpcService
from app.status.schemas import Spend, SpendTotals, StatusRead

TOP_RISKS = 10
_MANY = 10_000


@dataclass
class PackContext:
    """What every section may read: the period's statuses and exceptions, computed once."""

    session: AsyncSession
    principal: Principal
    period: Period
    filters: IndicatorFilter
    org_unit_ids: set[uuid.UUID] | None
    rows: list[StatusRead]
    summary: Summary
    exceptions: ExceptionReport
    spend: Spend | None = None
    # Which drawings of each chart the formats to be rendered show (see Chart): the SVG with
    # text (HTML), the SVG with outlines (DOCX), the plot the PDF draws itself.
    chart_text: bool = True
    chart_outlines: bool = True
    chart_plot: bool = True

    @property
    def repository(self) -> PackRepository:
        return PackRepository(self.session)


SectionBuilder = Callable[[PackContext], Awaitable[Section | None]]


async def summary_section(context: PackContext) -> Section:
    counts = context.summary
    section = Section(id="summary", title="Summary")
    section.blocks.append(
        Table(
            caption="Measures by RAG status",
            columns=tuple(
                Column(name, number=True)
                for name in ("Green", "Amber", "Red", "Data only", "Missing", "Measures")
            ),
            rows=[
                (
                    Cell(str(counts.green), number=True),
                    Cell(str(counts.amber), number=True),
                    Cell(str(counts.red), number=True),
                    Cell(str(counts.data_only), number=True),
                    Cell(str(counts.missing), number=True),
                    Cell(str(len(context.rows)), number=True),
                )
            ],
        )
    )
    exceptions = context.exceptions
    if exceptions.red_two_periods_in_a_row:
        section.blocks.append(
            Paragraph(
                "Red for two periods running: "
                + ", ".join(exceptions.red_two_periods_in_a_row)
                + ".",
                kind="callout",
            )
        )
    if exceptions.without_corrective_action:
        section.blocks.append(
            Paragraph(
                "Red or amber with no corrective action: "
                + ", ".join(exceptions.without_corrective_action)
                + ".",
                kind="callout",
            )
        )
    return section


async def narrative_section(context: PackContext) -> Section:
    section = Section(id="narrative", title="Narrative by directorate")
    found = await NarrativeRepository(context.session).for_period(
        period_code=context.period.code, org_unit_ids=context.org_unit_ids
    )
    written = [(narrative, code, name) for narrative, code, name in found if narrative.text.strip()]
    for narrative, code, name in written:
        group: list[Heading | Paragraph | Table | Chart] = [Heading(f"{name} ({code})")]
        for paragraph in narrative.text.split("\n\n"):
            if paragraph.strip():
                group.append(Paragraph(paragraph.strip()))
        section.groups.append(group)
    if not written:
        section.blocks.append(Paragraph("No narrative has been written for this period."))
    return section


MEASURE_COLUMNS = (
    Column("Code", 1.1),
    Column("Measure", 3.6),
    Column("Value", 1.3, number=True),
    Column("Target", 1.6, number=True),
    Column("RAG", 1.1),
    Column("Short by", 1.2, number=True),
    Column("Since last period", 1.3),
    Column("Year to date", 1.5, number=True),
    Column("Year-end forecast", 1.7),
)


def measure_row(row: StatusRead) -> tuple[Cell, ...]:
    forecast = DASH
    if row.forecast is not None:
        forecast = f"{measure(row.forecast.value, row)} ({label(row.forecast.method)})"
        if row.forecast.rag is not None and row.forecast.rag is not Rag.DATA_ONLY:
            forecast = f"{forecast}, {label(row.forecast.rag)}"
    ytd = measure(row.ytd.value, row)
    if row.ytd.value is not None and row.ytd.rag is not None:
        ytd = f"{ytd} ({label(row.ytd.rag)})"
    return (
        Cell(row.indicator_code),
        Cell(row.title + (" (key)" if row.is_key else "")),
        Cell(measure(row.value, row), number=True),
        Cell(target(row), number=True),
        rag_cell(row.rag),
        Cell(shortfall(row), number=True),
        Cell(label(row.direction.vs_previous)),
        Cell(ytd, number=True),
        Cell(forecast),
    )


async def measures_section(context: PackContext) -> Section:
    """Every measure, under its plan and objective (corporate plan first, objectives in their
    order), then those no plan names."""
    section = Section(id="measures", title="Every measure", landscape=True)
    if not context.rows:
        section.blocks.append(Paragraph("No measures match this report."))
        return section
    places = await context.repository.measure_places(
        codes=[row.indicator_code for row in context.rows]
    )
    grouped: dict[tuple[int, str, int, str], list[StatusRead]] = defaultdict(list)
    headings: dict[tuple[int, str, int, str], str] = {}
    unplaced = (2, "", 0, "")
    for row in context.rows:
        place = places.get(row.indicator_code)
        key = place.sort_key if place else unplaced
        grouped[key].append(row)
        headings[key] = (
            f"{place.plan_title}: {place.objective_title}" if place else "Not linked to a plan"
        )
    for key in sorted(grouped):
        rows = sorted(grouped[key], key=lambda r: r.indicator_code)
        section.blocks.append(Heading(headings[key]))
        section.blocks.append(
            Table(columns=MEASURE_COLUMNS, rows=[measure_row(row) for row in rows])
        )
    return section


ACTION_COLUMNS = (
    Column("Action", 4),
    Column("Owner", 2),
    Column("Due", 1.4),
    Column("Status", 1.4),
    Column("Complete", 1.1, number=True),
)


async def exceptions_section(context: PackContext) -> Section:
    exceptions = context.exceptions
    section = Section(id="exceptions", title="Exceptions: red and amber measures")
    section.blocks.append(
        Paragraph(
            f"{exceptions.summary.red} red and {exceptions.summary.amber} amber, "
            f"compared with {exceptions.previous_period}."
        )
    )
    owners = await context.repository.user_names(
        ids={a.owner_id for row in exceptions.rows for a in row.actions if a.owner_id}
    )
    for row in exceptions.rows:
        group: list[Heading | Paragraph | Table | Chart] = [
            Heading(f"{row.indicator_code} {row.title}: {rag_word(row.rag)}"),
        ]
        short = shortfall(row, long=True)
        previous = label(row.previous_rag) if row.previous_rag else DASH
        group.append(
            Paragraph(
                f"{row.org_unit_code}. Value {measure(row.value, row)} against a target of "
                f"{target(row)}" + (f", short by {short}" if short != DASH else "") + ". "
                f"Previous period: {previous}"
                + (" (red two periods running)" if row.red_two_periods else "")
                + ".",
                kind="meta",
            )
        )
        group.append(Paragraph("Commentary", kind="label"))
        group.append(Paragraph(row.commentary or "No commentary was given."))
        group.append(Paragraph("Corrective actions", kind="label"))
        if row.actions:
            group.append(
                Table(
                    columns=ACTION_COLUMNS,
                    rows=[
                        (
                            Cell(action.title),
                            Cell(owners.get(action.owner_id, DASH) if action.owner_id else DASH),
                            Cell(
                                action.due_date.isoformat()
                                + (" (overdue)" if action.overdue else "")
                            ),
                            Cell(label(action.status)),
                            Cell(f"{action.percent_complete}%", number=True),
                        )
                        for action in row.actions
                    ],
                )
            )
        else:
            group.append(Paragraph("No corrective action has been recorded.", kind="callout"))
        section.groups.append(group)
    if not exceptions.rows:
        section.blocks.append(Paragraph("No measure is red or amber."))
    return section


def _score_tone(score: int) -> Tone:
    # The usual 5x5 bands: 1-4 low, 5-9 medium, 10-14 high, 15-25 very high.
    if score >= 15:
        return Tone.RED
    if score >= 10:
        return Tone.AMBER
    if score >= 5:
        return Tone.GREY
    return Tone.GREEN


def _score_word(score: int) -> str:
    if score >= 15:
        return "very high"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


def _score(read_score: int, likelihood: int, impact: int) -> Cell:
    return Cell(
        f"{read_score} {_score_word(read_score)} (L{likelihood} x I{impact})",
        tone=_score_tone(read_score),
    )


async def risks_section(context: PackContext) -> Section:
    """The open risks with the highest current scores, how each moved since the end of the
    previous quarter, and the matrix of all open risks."""
    section = Section(id="risks", title="Risks")
    service = RiskService(context.session)
    filters = RiskFilter(org_unit_ids=context.org_unit_ids, status=None)
    risks, _ = await service.list_page(org_unit_code=None, filters=filters, offset=0, limit=_MANY)
    open_risks = [risk for risk in risks if risk.status.value == "open"]
    top = sorted(open_risks, key=lambda r: (-r.current.score, r.code))[:TOP_RISKS]
    previous_end = datetime.combine(
        calendar.parse_period(calendar.previous_period(_quarter_code(context.period))).end_date,
        time.max,
        tzinfo=UTC,
    )
    before = await context.repository.risk_scores_before(
        risk_ids=[str(risk.id) for risk in top], since=previous_end
    )
    owners = await context.repository.user_names(ids={r.owner_id for r in top if r.owner_id})
    section.blocks.append(Heading(f"The {TOP_RISKS} highest current risk scores"))
    section.blocks.append(
        Table(
            columns=(
                Column("Code", 1),
                Column("Risk", 3.4),
                Column("Owner", 1.8),
                Column("Current score", 2),
                Column("Since last quarter", 1.6),
                Column("Target score", 2),
            ),
            rows=[
                (
                    Cell(risk.code),
                    Cell(risk.title),
                    Cell(owners.get(risk.owner_id, DASH) if risk.owner_id else DASH),
                    _score(risk.current.score, risk.current.likelihood, risk.current.impact),
                    Cell(_movement(risk, before, previous_end)),
                    _score(risk.target.score, risk.target.likelihood, risk.target.impact),
                )
                for risk in top
            ],
            empty="No open risks.",
        )
    )
    section.blocks.append(Heading("Risk matrix: open risks by current likelihood and impact"))
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for risk in open_risks:
        counts[(risk.current.likelihood, risk.current.impact)] += 1
    section.blocks.append(
        Table(
            columns=(Column("Likelihood", 1.4), *(Column(f"Impact {i}", 1) for i in range(1, 6))),
            rows=[
                (
                    Cell(f"{likelihood}", bold=True),
                    *(
                        Cell(
                            f"{counts[(likelihood, impact)]} ({_score_word(likelihood * impact)})",
                            tone=_score_tone(likelihood * impact),
                            number=True,
                        )
                        for impact in range(1, 6)
                    ),
                )
                for likelihood in range(5, 0, -1)
            ],
        )
    )
    return section


def _quarter_code(period: Period) -> str:
    """The quarter the period falls in (the year's last quarter for a year)."""
    return calendar.period_containing(period.end_date, kind=PeriodKind.QUARTER).code


def _movement(risk: RiskRead, before: dict[str, int], previous_end: datetime) -> str:
    if risk.created_at > previous_end:
        return "New this quarter"
    was = before.get(str(risk.id), risk.current.score)
    if risk.current.score > was:
        return f"Up from {was}"
    if risk.current.score < was:
        return f"Down from {was}"
    return "No change"


async def projects_section(context: PackContext) -> Section:
    section = Section(id="projects", title="Projects and milestones", landscape=True)
    projects, _ = await ProjectService(context.session).list_page(
        org_unit_code=None,
        filters=ProjectFilter(org_unit_ids=context.org_unit_ids),
        offset=0,
        limit=_MANY,
    )
    projects.sort(key=lambda p: p.code)
    managers = await context.repository.user_names(
        ids={p.manager_id for p in projects if p.manager_id}
    )
    section.blocks.append(
        Table(
            columns=(
                Column("Code", 1),
                Column("Project", 3.5),
                Column("Manager", 1.8),
                Column("Status", 1.3),
                Column("RAG", 1.1),
                Column("Milestones done", 1.3, number=True),
                Column("Overdue", 1, number=True),
                Column("Ends", 1.3),
            ),
            rows=[
                (
                    Cell(p.code),
                    Cell(p.title),
                    Cell(managers.get(p.manager_id, DASH) if p.manager_id else DASH),
                    Cell(label(p.status)),
                    rag_cell(p.rag, none="Not rated"),
                    Cell(f"{p.milestones_completed} of {p.milestones_total}", number=True),
                    Cell(str(p.milestones_overdue), number=True),
                    Cell(p.end_date.isoformat() if p.end_date else DASH),
                )
                for p in projects
            ],
            empty="No projects match this report.",
        )
    )
    milestones = await ProjectRepository(context.session).milestones(
        project_ids=[p.id for p in projects]
    )
    rows = []
    on = today()
    for project in projects:
        for milestone in milestones.get(project.id, []):
            if milestone.completed_date is not None:
                state, tone = f"Done {milestone.completed_date.isoformat()}", Tone.GREEN
            elif milestone_overdue(due_date=milestone.due_date, completed_date=None, today=on):
                state, tone = "Overdue", Tone.RED
            else:
                state, tone = "Due", Tone.GREY
            rows.append(
                (
                    Cell(project.code),
                    Cell(milestone.title),
                    Cell(milestone.due_date.isoformat()),
                    Cell(state, tone=tone, bold=True),
                )
            )
    section.blocks.append(Heading("Milestones"))
    section.blocks.append(
        Table(
            columns=(
                Column("Project", 1),
                Column("Milestone", 4),
                Column("Due", 1.4),
                Column("State", 1.8),
            ),
            rows=rows,
            empty="No milestones.",
        )
    )
    return section


async def key_indicators_section(context: PackContext) -> Section:
    """An XmR chart for each key indicator, drawn in one thread hop."""
    section = Section(id="key-indicators", title="Key indicators")
    key_rows = [row for row in context.rows if row.is_key]
    if not key_rows:
        section.blocks.append(Paragraph("No key indicators match this report."))
        return section
    key_filter = IndicatorFilter(codes={row.indicator_code for row in key_rows})
    indicators = await IndicatorRepository(context.session).all_matching(filters=key_filter)
    charts = await SpcService(context.session).charts(
        ids=[indicator.id for indicator in indicators],
        indicators=indicators,
        until=calendar.parse_period(context.period.code).end_date,
    )
    drawings = list(charts.values())
    # The plot the PDF draws is a few numbers a chart, made here; matplotlib draws each SVG in
    # a tenth of a second or more, so those (HTML, DOCX) are drawn off the event loop.
    blocks = [
        Chart(title=title(chart), plot=chart_plot(chart) if context.chart_plot else None)
        for chart in drawings
    ]
    if context.chart_text or context.chart_outlines:
        blocks = await anyio.to_thread.run_sync(
            _with_svgs, blocks, drawings, context.chart_text, context.chart_outlines
        )
    drawn = {chart.indicator.code: block for chart, block in zip(drawings, blocks, strict=True)}
    for row in key_rows:
        variation = label(row.variation_icon) if row.variation_icon else "too few points"
        group: list[Heading | Paragraph | Table | Chart] = [
            Heading(f"{row.indicator_code} {row.title}"),
            Paragraph(
                f"{measure(row.value, row)} against {target(row)} ({rag_word(row.rag)}). "
                f"Variation: {variation}. "
                f"Assurance: {label(row.assurance_icon) if row.assurance_icon else DASH}.",
                kind="meta",
            ),
        ]
        if row.indicator_code in drawn:
            group.append(drawn[row.indicator_code])
        section.groups.append(group)
    return section


def _with_svgs(
    blocks: list[Chart], charts: list[IndicatorChart], text: bool, outlines: bool
) -> list[Chart]:
    """The charts' blocks with the SVGs asked for: with text (HTML), with outlines (DOCX)."""
    drawn = []
    for index, (block, chart) in enumerate(zip(blocks, charts, strict=True)):
        element_id = f"chart-{index}"
        svg = inline_svg(render_svg(chart, element_id=element_id)) if text else ""
        paths = render_svg(chart, element_id=element_id, text_as_paths=True) if outlines else ""
        drawn.append(replace(block, svg=svg, svg_paths=paths))
    return drawn


async def achievements_section(context: PackContext) -> Section | None:
    """The period's approved key achievements (and those of the periods within it); left out
    when there are none."""
    found = await AchievementService(context.session).for_report(
        period_code=context.period.code, org_unit_ids=context.org_unit_ids
    )
    if not found:
        return None
    section = Section(id="achievements", title="Key achievements")
    for achievement in found:
        group: list[Heading | Paragraph | Table | Chart] = [
            Heading(f"{achievement.title} ({achievement.org_unit_code}, {achievement.period})")
        ]
        if achievement.description:
            group.append(Paragraph(achievement.description))
        shows = ", ".join(achievement.indicator_codes)
        if shows:
            group.append(Paragraph(f"Measures: {shows}.", kind="meta"))
        section.groups.append(group)
    return section


BUDGET_COLUMNS = (
    Column("Budgets of", 2.4),
    Column("Budget", 1.5, number=True),
    Column("Forecast", 1.5, number=True),
    Column("Actual to date", 1.5, number=True),
    Column("Forecast variance", 1.6, number=True),
    Column("Lines", 0.8, number=True),
)


def _pounds(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}\u00a3{abs(value):,.2f}"


def _budget_row(name: str, totals: SpendTotals) -> tuple[Cell, ...]:
    over = totals.forecast_variance
    return (
        Cell(name),
        Cell(_pounds(totals.budget), number=True),
        Cell(_pounds(totals.forecast), number=True),
        Cell(_pounds(totals.actual), number=True),
        Cell(
            f"{_pounds(over)} {'over' if over > 0 else 'under' if over < 0 else 'on budget'}",
            number=True,
            tone=Tone.RED if over > 0 else None,
        ),
        Cell(str(totals.lines), number=True),
    )


async def budgets_section(context: PackContext) -> Section | None:
    """The year's spend beside the performance: service plans' and projects' budget lines
    in the pack's scope (variance positive is an overspend); left out when there are none."""
    spend = context.spend
    if spend is None or not (spend.service_plans.lines or spend.projects.lines):
        return None
    section = Section(id="budgets", title=f"Budgets {spend.financial_year}")
    section.blocks.append(
        Table(
            caption="Budget, forecast and actual spend (positive variance: overspend)",
            columns=BUDGET_COLUMNS,
            rows=[
                _budget_row("Service plans", spend.service_plans),
                _budget_row("Projects", spend.projects),
            ],
        )
    )
    return section


SECTIONS: list[SectionBuilder] = [
    summary_section,
    narrative_section,
    measures_section,
    exceptions_section,
    risks_section,
    projects_section,
    achievements_section,
    budgets_section,
    key_indicators_section,
]


def period_label(period: Period) -> str:
    text = f"{long_date(period.start_date)} to {long_date(period.end_date)}"
    if period.board_date:
        text += f". Board meeting {long_date(period.board_date)}"
    return text
