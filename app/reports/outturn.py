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
from collections.abc import AsyncIterator, Iterable
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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import today
from app.core.config import Settings
from app.core.errors import InvalidInput
from app.core.schemas import Measure, ResponseSchema
from app.indicators.models import Indicator
from app.indicators.repository import IndicatorFilter
from app.measures import rules
from app.measures.measure import MeasureMath, rate
from app.measures.vocabulary import (
    Direction,
    Frequency,
    Polarity,
    Rag,
    Tolerance,
    ValueType,
)
from app.periods import calendar
from app.periods.calendar import PeriodKind, last_year_of
from app.periods.exceptions import PeriodNotFound
from app.settings.service import SettingsService
from app.status.repository import StatusRepository
from app.status.schemas import Scorecard, StatusRead

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


class OutturnService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = StatusRepository(session)

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
