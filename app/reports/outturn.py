"""The annual outturn export (JSON, CSV, XLSX): the service that works out its rows and the
streamed CSV body. Its schemas are in app.reports.schemas, its file formats in
app.reports.rendering.

The outturn reads indicators a chunk at a time, in code order, with a fixed number of
statements per chunk (the chunk's indicators, their approved values for this year and last,
their targets for this year), so an export of thousands of indicators streams in flat memory.
The figures are worked out by the same MeasureMath and rules the status of one measure uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import today
from app.core.config import Settings
from app.core.errors import InvalidInput
from app.indicators.models import Indicator
from app.indicators.repository import IndicatorFilter
from app.measures import rules
from app.measures.measure import MeasureMath, rate
from app.measures.vocabulary import Rag, Tolerance
from app.periods import calendar
from app.periods.calendar import PeriodKind, last_year_of
from app.periods.exceptions import PeriodNotFound
from app.reports.rendering import outturn_csv_header, outturn_csv_line, outturn_xlsx
from app.reports.schemas import OUTTURN_COLUMNS, OutturnReport, OutturnRow
from app.settings.service import SettingsService
from app.status.repository import StatusRepository

# Indicators read per chunk: large enough to keep the statement count low, small enough that
# a chunk's values and targets sit comfortably in memory and in one IN (...) list.
CHUNK_SIZE = 500


@dataclass(frozen=True)
class OutturnYear:
    code: str
    data_due_date: date


class OutturnService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = StatusRepository(session)

    async def year(self, *, code: str) -> OutturnYear:
        """The financial year to export: 422 for anything but a year's code, 404 if absent."""
        try:
            spec = calendar.parse_period(code)
        except calendar.InvalidPeriodCode:
            spec = None
        if spec is None or spec.kind is not PeriodKind.YEAR:
            raise InvalidInput(
                f"{code!r} is not a financial year; give one such as 2025-26.",
                errors=[{"loc": ["query", "year"], "msg": "not a financial year", "type": "year"}],
            )
        period = (await self.repository.periods([spec.code])).get(spec.code)
        if period is None:
            raise PeriodNotFound(f"No financial year has the code {spec.code!r}.")
        return OutturnYear(code=period.code, data_due_date=period.data_due_date)

    async def rows(
        self, *, year: OutturnYear, filters: IndicatorFilter
    ) -> AsyncIterator[OutturnRow]:
        """Every matching indicator's row, in code order, read CHUNK_SIZE indicators at a time."""
        default = await SettingsService(self.session, settings=self.settings).rag_tolerance()
        due = year.data_due_date < today()
        years = [code for code in (year.code, last_year_of(year.code)) if code]
        after: str | None = None
        while True:
            chunk = await self.repository.indicators_after(filters, after=after, limit=CHUNK_SIZE)
            if not chunk:
                return
            ids = [indicator.id for indicator, _ in chunk]
            values, _ = await self.repository.figures(ids, years=years)
            targets = await self.repository.targets(ids, years=[year.code])
            for indicator, org_unit_code in chunk:
                math = MeasureMath(
                    indicator, values.get(indicator.id, {}), targets.get(indicator.id, {})
                )
                yield _row(math, indicator, org_unit_code, year=year.code, default=default, due=due)
            if len(chunk) < CHUNK_SIZE:
                return
            after = chunk[-1][0].code

    async def report(self, *, year: OutturnYear, filters: IndicatorFilter) -> OutturnReport:
        rows = [row async for row in self.rows(year=year, filters=filters)]
        return OutturnReport(year=year.code, columns=OUTTURN_COLUMNS, rows=rows)

    async def xlsx(self, *, year: OutturnYear, filters: IndicatorFilter) -> bytes:
        """The outturn as a workbook of one sheet (app.reports.rendering.outturn_xlsx)."""
        return await outturn_xlsx(self.rows(year=year, filters=filters), year_code=year.code)


def _row(
    math: MeasureMath,
    indicator: Indicator,
    org_unit_code: str,
    *,
    year: str,
    default: Tolerance,
    due: bool,
) -> OutturnRow:
    quarters: list[Decimal | None] = [None] * 4
    if math.kind is not PeriodKind.YEAR:
        quarters = [math.value_at(quarter)[0] for quarter in calendar.children(year)]
    rated = rate(math, year, default=default)
    target = rated.target
    band = target is not None and target.value is None
    return OutturnRow(
        indicator_code=indicator.code,
        title=indicator.title,
        org_unit_code=org_unit_code,
        is_key=indicator.is_key,
        frequency=indicator.frequency,
        polarity=indicator.polarity,
        value_type=indicator.value_type,
        unit=indicator.unit,
        decimal_places=indicator.decimal_places,
        q1=quarters[0],
        q2=quarters[1],
        q3=quarters[2],
        q4=quarters[3],
        outturn=rated.value,
        outturn_as_at=rated.as_at,
        outturn_complete=rated.value is not None and rated.complete,
        annual_target=target.value if target else None,
        annual_target_lower=target.lower if target and band else None,
        annual_target_upper=target.upper if target and band else None,
        rag=None if rated.rag is Rag.MISSING and not due else rated.rag,
        last_year_outturn=rated.last_year,
        direction_vs_last_year=rules.direction_of_travel(
            current=rated.value,
            previous=rated.last_year,
            polarity=indicator.polarity,
            target=target,
        ),
    )


@asynccontextmanager
async def _reading(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for a streamed body, which outlives the request's own. Read-only, so on
    SQLite it takes no write lock while a slow client downloads."""
    async with sessionmaker() as session:
        await session.connection(execution_options={"read_only": True})
        yield session


async def outturn_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    year: OutturnYear,
    filters: IndicatorFilter,
) -> AsyncIterator[bytes]:
    """The outturn as CSV, a line at a time: the header, then one line per indicator."""
    yield outturn_csv_header()
    async with _reading(sessionmaker) as session:
        rows = OutturnService(session, settings=settings).rows(year=year, filters=filters)
        async for row in rows:
            yield outturn_csv_line(row)
