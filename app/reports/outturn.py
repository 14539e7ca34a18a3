"""The annual outturn export (JSON, CSV, XLSX) and the scorecard as CSV.

The outturn reads indicators a chunk at a time, in code order, with a fixed number of
statements per chunk (the chunk's indicators, their approved values for this year and last,
their targets for this year), so an export of thousands of indicators streams in flat memory.
The figures are worked out by the same MeasureMath and rules the status of one measure uses.
"""

from __future__ import annotations

import csv
import io
import types
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import today
from app.core.config import Settings
from app.core.errors import InvalidInput
from app.core.schemas import Measure, ResponseSchema
from app.indicators.models import (
    Frequency,
    Indicator,
    IndicatorValue,
    Target,
    ValueStatus,
    ValueType,
)
from app.indicators.repository import IndicatorFilter
from app.org.models import OrgUnit
from app.periods import calendar
from app.periods.calendar import PeriodKind
from app.periods.exceptions import PeriodNotFound
from app.periods.models import Period
from app.rag import rules
from app.rag.rules import Direction, Polarity, Rag, Tolerance
from app.rag.schemas import Scorecard, StatusRead
from app.rag.service import ApprovedFigure, MeasureMath, last_year_of, rate
from app.settings.service import SettingsService

# Indicators read per chunk: large enough to keep the statement count low, small enough that
# a chunk's values and targets sit comfortably in memory and in one IN (...) list.
CHUNK_SIZE = 500

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OutturnRow(ResponseSchema):
    indicator_code: str
    title: str
    org_unit_code: str
    is_key: bool
    frequency: Frequency
    polarity: Polarity
    value_type: ValueType
    unit: str | None
    decimal_places: int
    q1: Measure | None = Field(description="Q1's value (a monthly measure's months combined)")
    q2: Measure | None
    q3: Measure | None
    q4: Measure | None
    outturn: Measure | None = Field(
        description="The year's value from its approved figures: the year to date while the "
        "year runs, the annual outturn once complete"
    )
    outturn_complete: bool = Field(description="false while some of the year's figures are missing")
    annual_target: Measure | None
    annual_target_lower: Measure | None = Field(description="A within_range target's band")
    annual_target_upper: Measure | None
    rag: Rag | None = Field(description="The outturn against the annual target")
    last_year_outturn: Measure | None
    direction_vs_last_year: Direction


OUTTURN_COLUMNS: list[str] = list(OutturnRow.model_fields)
_QUARTER_COLUMNS = ("q1", "q2", "q3", "q4")
_MEASURE_COLUMNS = frozenset(
    {
        *_QUARTER_COLUMNS,
        "outturn",
        "annual_target",
        "annual_target_lower",
        "annual_target_upper",
        "last_year_outturn",
    }
)


class OutturnReport(ResponseSchema):
    year: str
    columns: list[str] = Field(description="The row fields, in the order the CSV and XLSX use")
    rows: list[OutturnRow]


@dataclass(frozen=True)
class OutturnYear:
    code: str
    data_due_date: date


class OutturnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def year(self, code: str) -> Period | None:
        return await self.session.scalar(select(Period).where(Period.code == code))

    async def chunk(
        self, filters: IndicatorFilter, *, after: str | None, limit: int
    ) -> list[tuple[Indicator, str]]:
        """The next `limit` matching indicators after code `after`, with their org unit code."""
        query = (
            filters.apply(select(Indicator))
            .join(OrgUnit, OrgUnit.id == Indicator.org_unit_id)
            .add_columns(OrgUnit.code)
        )
        if after is not None:
            query = query.where(Indicator.code > after)
        rows = await self.session.execute(query.order_by(Indicator.code).limit(limit))
        return [(row[0], row[1]) for row in rows]

    async def approved_values(
        self, ids: Sequence[uuid.UUID], *, years: Sequence[str]
    ) -> dict[uuid.UUID, dict[str, ApprovedFigure]]:
        rows = await self.session.execute(
            select(
                IndicatorValue.indicator_id,
                Period.code,
                IndicatorValue.approved_value,
                IndicatorValue.approved_numerator,
                IndicatorValue.approved_denominator,
            )
            .join(Period, Period.id == IndicatorValue.period_id)
            .where(
                IndicatorValue.indicator_id.in_(ids),
                Period.financial_year.in_(years),
                IndicatorValue.approved_value.is_not(None),
            )
        )
        found: dict[uuid.UUID, dict[str, ApprovedFigure]] = defaultdict(dict)
        for indicator_id, code, value, numerator, denominator in rows:
            if value is None:  # pragma: no cover - excluded by the query
                continue
            found[indicator_id][code] = ApprovedFigure(
                value, numerator, denominator, None, ValueStatus.APPROVED
            )
        return found

    async def targets(
        self, ids: Sequence[uuid.UUID], *, year: str
    ) -> dict[uuid.UUID, dict[str, Target]]:
        rows = await self.session.execute(
            select(Target, Period.code)
            .join(Period, Period.id == Target.period_id)
            .where(Target.indicator_id.in_(ids), Period.financial_year == year)
        )
        found: dict[uuid.UUID, dict[str, Target]] = defaultdict(dict)
        for target, code in rows:
            found[target.indicator_id][code] = target
        return found


class OutturnService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = OutturnRepository(session)

    async def year(self, code: str) -> OutturnYear:
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
        period = await self.repository.year(spec.code)
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
            chunk = await self.repository.chunk(filters, after=after, limit=CHUNK_SIZE)
            if not chunk:
                return
            ids = [indicator.id for indicator, _ in chunk]
            values = await self.repository.approved_values(ids, years=years)
            targets = await self.repository.targets(ids, year=year.code)
            for indicator, org_unit_code in chunk:
                math = MeasureMath(
                    indicator, values.get(indicator.id, {}), targets.get(indicator.id, {})
                )
                yield _row(math, org_unit_code, year=year.code, default=default, due=due)
            if len(chunk) < CHUNK_SIZE:
                return
            after = chunk[-1][0].code

    async def report(self, *, year: OutturnYear, filters: IndicatorFilter) -> OutturnReport:
        rows = [row async for row in self.rows(year=year, filters=filters)]
        return OutturnReport(year=year.code, columns=OUTTURN_COLUMNS, rows=rows)

    async def xlsx(self, *, year: OutturnYear, filters: IndicatorFilter) -> bytes:
        """A workbook with one sheet: bold frozen header, numbers as numbers in the indicator's
        decimal places. Write-only, so rows go to disk as they come rather than into memory."""
        book = Workbook(write_only=True)
        sheet: WriteOnlyWorksheet = book.create_sheet(title=f"Outturn {year.code}")
        sheet.freeze_panes = "A2"
        # The stubs leave column_dimensions off write-only sheets; openpyxl has them.
        widths: DimensionHolder[str, ColumnDimension] = sheet.column_dimensions  # type: ignore[attr-defined]
        for index, column in enumerate(OUTTURN_COLUMNS, start=1):
            widths[get_column_letter(index)].width = _WIDTHS.get(column, 12)
        bold = Font(bold=True)
        header = []
        for column in OUTTURN_COLUMNS:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        async for row in self.rows(year=year, filters=filters):
            sheet.append(_xlsx_cells(sheet, row))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _row(
    math: MeasureMath, org_unit_code: str, *, year: str, default: Tolerance, due: bool
) -> OutturnRow:
    indicator = math.indicator
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


# CSV


def csv_cell(value: Any) -> str:
    """One field as CSV text: exact decimals, lower-case booleans, enum values, '' for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str):
        return defuse(value)
    return str(value)


def defuse(text: str) -> str:
    """Text a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _csv_line(fields: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_cell(field) for field in fields])
    return buffer.getvalue()


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
    yield _csv_line(OUTTURN_COLUMNS).encode()
    async with _reading(sessionmaker) as session:
        rows = OutturnService(session, settings=settings).rows(year=year, filters=filters)
        async for row in rows:
            yield _csv_line(getattr(row, column) for column in OUTTURN_COLUMNS).encode()


def scalar_columns(model: type[BaseModel]) -> list[str]:
    """The fields of a model that hold one value (not an object or a list), in order."""
    return [name for name, field in model.model_fields.items() if _is_scalar(field.annotation)]


def _is_scalar(annotation: Any) -> bool:
    origin = get_origin(annotation)
    members = get_args(annotation) if origin in (Union, types.UnionType) else (annotation,)
    for member in members:
        if get_origin(member) is Annotated:
            member = get_args(member)[0]
        if member is type(None):
            continue
        if get_origin(member) is not None:
            return False
        if isinstance(member, type) and issubclass(member, BaseModel):
            return False
    return True


SCORECARD_COLUMNS = scalar_columns(StatusRead)


def scorecard_csv(card: Scorecard) -> str:
    """The scorecard's rows as CSV: the scalar fields of each status, in the JSON's order."""
    lines = [_csv_line(SCORECARD_COLUMNS)]
    lines += [_csv_line(getattr(row, column) for column in SCORECARD_COLUMNS) for row in card.rows]
    return "".join(lines)


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


# XLSX

_WIDTHS = {
    "indicator_code": 14,
    "title": 48,
    "org_unit_code": 14,
    "frequency": 11,
    "polarity": 17,
    "value_type": 12,
    "unit": 12,
    "decimal_places": 9,
    "outturn_complete": 10,
    "annual_target_lower": 13,
    "annual_target_upper": 13,
    "last_year_outturn": 13,
    "direction_vs_last_year": 16,
}


def number_format(places: int) -> str:
    """A plain number format with the indicator's decimal places (values such as 78.5 are
    already percentages, so no % format)."""
    return "#,##0" + ("." + "0" * places if places else "")


def _xlsx_cells(sheet: WriteOnlyWorksheet, row: OutturnRow) -> list[Cell]:
    cells = []
    places = number_format(row.decimal_places)
    for column in OUTTURN_COLUMNS:
        value = getattr(row, column)
        if isinstance(value, Enum):
            value = value.value
        cell = WriteOnlyCell(sheet, value=value)
        if column in _MEASURE_COLUMNS and value is not None:
            cell.number_format = places
        elif isinstance(value, str):
            # A title such as "=SUM(...)" is text, never a formula.
            cell.data_type = "s"
        cells.append(cell)
    return cells
