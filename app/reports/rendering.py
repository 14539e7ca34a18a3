"""Reports as files: CSV text (app.core.tabular), the outturn workbook, media types and
download headers. No I/O beyond the bytes handed back."""

from __future__ import annotations

import io
from collections.abc import AsyncIterable, Callable
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder
from openpyxl.worksheet.properties import PageSetupProperties

from app.core.tabular import (
    CSV_MEDIA_TYPE,
    attachment,
    csv_cell,
    csv_line,
    defuse,
    flat_columns,
    flat_csv,
)
from app.measures.vocabulary import ValueType
from app.reports.schemas import (
    MEASURE_COLUMNS,
    OUTTURN_COLUMNS,
    ExceptionReport,
    ExceptionRow,
    OutturnRow,
)
from app.status.schemas import Scorecard, StatusRead

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def outturn_csv_header() -> bytes:
    return csv_line(OUTTURN_COLUMNS).encode()


def outturn_csv_line(row: OutturnRow) -> bytes:
    return csv_line(getattr(row, column) for column in OUTTURN_COLUMNS).encode()


_SCORECARD = flat_columns(StatusRead)
SCORECARD_COLUMNS = [name for name, _ in _SCORECARD]


def scorecard_csv(card: Scorecard) -> str:
    """The scorecard's rows as CSV: every field of each status, nested ones flattened."""
    return flat_csv(card.rows, _SCORECARD)


_EXCEPTIONS = flat_columns(ExceptionRow)
EXCEPTION_COLUMNS = [name for name, _ in _EXCEPTIONS]


def exceptions_csv(report: ExceptionReport) -> str:
    """The exception report's rows as CSV: every field, nested ones flattened, the actions as
    JSON in one column."""
    return flat_csv(report.rows, _EXCEPTIONS)


# XLSX: for people, not a data dump. Headings in words, codes in words, figures in their own
# number format (percentages as per cent, money in pounds, the unit after other figures), RAG
# cells filled and worded, a filter on every column, the heading row and code column frozen,
# and printing set up: landscape, fitted to the page width, the heading row on every page.

LABELS = {
    "indicator_code": "Code",
    "title": "Measure",
    "org_unit_code": "Org unit",
    "is_key": "Key",
    "frequency": "Frequency",
    "polarity": "Polarity",
    "value_type": "Value type",
    "unit": "Unit",
    "decimal_places": "Decimal places",
    "q1": "Q1",
    "q2": "Q2",
    "q3": "Q3",
    "q4": "Q4",
    "outturn": "Outturn",
    "outturn_as_at": "Outturn as at",
    "outturn_complete": "Complete",
    "annual_target": "Annual target",
    "annual_target_lower": "Target band from",
    "annual_target_upper": "Target band to",
    "rag": "RAG",
    "last_year_outturn": "Last year",
    "direction_vs_last_year": "Against last year",
}
WIDTHS = {
    "indicator_code": 12,
    "title": 48,
    "org_unit_code": 11,
    "frequency": 11,
    "polarity": 17,
    "value_type": 12,
    "unit": 12,
    "decimal_places": 9,
    "outturn_as_at": 13,
    "outturn_complete": 10,
    "annual_target_lower": 13,
    "annual_target_upper": 13,
    "last_year_outturn": 13,
    "direction_vs_last_year": 17,
}
RAG_FILLS = {
    "green": ("007F3B", "FFFFFF"),
    "amber": ("FFB81C", "212B32"),
    "red": ("D5281B", "FFFFFF"),
    "data_only": ("D8DDE0", "212B32"),
    "missing": ("D8DDE0", "212B32"),
}
_HEADING_FILL = PatternFill("solid", fgColor="F0F4F5")


def word(value: str) -> str:
    """An enum code as words: higher_is_better -> Higher is better."""
    return value.replace("_", " ").capitalize()


def number_format(places: int, value_type: ValueType | None = None, unit: str | None = None) -> str:
    """The number format for a figure of the value type, to its decimal places: percentages
    are stored as fractions (58.0 -> 0.58) and shown as 58.0%, money as pounds, other figures
    with their unit after them."""
    digits = "#,##0" + ("." + "0" * places if places else "")
    if value_type is ValueType.PERCENTAGE:
        return digits + "%"
    if value_type is ValueType.CURRENCY:
        return '"\u00a3"' + digits
    if unit and value_type is not None:
        safe = unit.replace('"', "")[:20]
        return f'{digits}" {safe}"'
    return digits


def xlsx_cells(sheet: WriteOnlyWorksheet, row: OutturnRow) -> list[Cell]:
    cells = []
    places = number_format(row.decimal_places, row.value_type, row.unit)
    for column in OUTTURN_COLUMNS:
        value = getattr(row, column)
        if column in MEASURE_COLUMNS and value is not None:
            cell = WriteOnlyCell(
                sheet, value=value / 100 if row.value_type is ValueType.PERCENTAGE else value
            )
            cell.number_format = places
        elif column == "rag":
            cell = _rag_cell(sheet, value) if value else WriteOnlyCell(sheet, value=None)
        elif isinstance(value, bool):
            cell = WriteOnlyCell(sheet, value="Yes" if value else "No")
        elif isinstance(value, Enum):
            cell = WriteOnlyCell(sheet, value=word(str(value.value)))
        else:
            cell = _text_cell(sheet, value)
        cells.append(cell)
    return cells


async def outturn_xlsx(rows: AsyncIterable[OutturnRow], *, year_code: str) -> bytes:
    """A workbook with one sheet, for people (see above). Write-only, so rows go to disk as
    they come rather than into memory."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(title=f"Outturn {year_code}")
    sheet.freeze_panes = "B2"
    # The stubs leave these off write-only sheets; openpyxl has them.
    widths: DimensionHolder[str, ColumnDimension] = sheet.column_dimensions  # type: ignore[attr-defined]
    for index, column in enumerate(OUTTURN_COLUMNS, start=1):
        widths[get_column_letter(index)].width = WIDTHS.get(column, 12)
    _print_setup(sheet)
    sheet.append(_headings(sheet, [LABELS.get(column, word(column)) for column in OUTTURN_COLUMNS]))
    count = 0
    async for row in rows:
        sheet.append(xlsx_cells(sheet, row))
        count += 1
    last = get_column_letter(len(OUTTURN_COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _print_setup(sheet: WriteOnlyWorksheet) -> None:
    """Landscape A4, as wide as the page and as many pages long as it takes, the heading row
    and code column on every printed page."""
    page: Any = sheet
    page.page_setup.orientation = "landscape"
    page.page_setup.paperSize = 9  # A4
    page.page_setup.fitToWidth = 1
    page.page_setup.fitToHeight = 0
    page.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    page.print_title_rows = "1:1"
    page.print_title_cols = "A:A"


__all__ = ["CSV_MEDIA_TYPE", "attachment", "csv_cell", "csv_line", "defuse"]


# The scorecard as a workbook: (heading, how to read it from a status, kind), kind one of
# "text", "measure" (in the row's own format), "points" (a shortfall: percentage points for a
# percentage, so never a per cent format), "rag", "word".
_SCORECARD_SHEET: list[tuple[str, Callable[[StatusRead], Any], str, float]] = [
    ("Code", lambda r: r.indicator_code, "text", 12),
    ("Measure", lambda r: r.title, "text", 48),
    ("Org unit", lambda r: r.org_unit_code, "text", 11),
    ("Period", lambda r: r.period, "text", 11),
    ("Value", lambda r: r.value, "measure", 12),
    ("Target", lambda r: r.target, "measure", 12),
    ("Band from", lambda r: r.target_band.lower if r.target_band else None, "measure", 12),
    ("Band to", lambda r: r.target_band.upper if r.target_band else None, "measure", 12),
    ("RAG", lambda r: r.rag, "rag", 11),
    ("Short by", lambda r: r.shortfall, "points", 12),
    ("Since last period", lambda r: r.direction.vs_previous, "word", 16),
    ("Against last year", lambda r: r.direction.vs_last_year, "word", 16),
    ("Year to date", lambda r: r.ytd.value, "measure", 13),
    ("Year to date target", lambda r: r.ytd.target, "measure", 13),
    ("Year to date RAG", lambda r: r.ytd.rag, "rag", 12),
    ("Year-end forecast", lambda r: r.forecast.value if r.forecast else None, "measure", 13),
    ("Forecast RAG", lambda r: r.forecast.rag if r.forecast else None, "rag", 12),
    ("Benchmark quartile", lambda r: r.benchmark.quartile if r.benchmark else None, "text", 11),
    ("Value status", lambda r: r.value_status, "word", 12),
    ("Commentary", lambda r: r.commentary, "text", 60),
]


def scorecard_xlsx(card: Scorecard) -> bytes:
    """The scorecard as a workbook for people, set up like the outturn's."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(title=f"Scorecard {card.period}")
    sheet.freeze_panes = "B2"
    widths: DimensionHolder[str, ColumnDimension] = sheet.column_dimensions  # type: ignore[attr-defined]
    for index, (_, _, _, width) in enumerate(_SCORECARD_SHEET, start=1):
        widths[get_column_letter(index)].width = width
    _print_setup(sheet)
    sheet.append(_headings(sheet, [heading for heading, _, _, _ in _SCORECARD_SHEET]))
    for row in card.rows:
        measure = number_format(row.decimal_places, row.value_type, row.unit)
        points = number_format(row.decimal_places) + (
            '" pts"' if row.value_type is ValueType.PERCENTAGE else ""
        )
        cells = []
        for _, read, kind, _ in _SCORECARD_SHEET:
            value = read(row)
            if value is None:
                cells.append(WriteOnlyCell(sheet, value=None))
            elif kind == "measure":
                percent = row.value_type is ValueType.PERCENTAGE
                cell = WriteOnlyCell(sheet, value=value / 100 if percent else value)
                cell.number_format = measure
                cells.append(cell)
            elif kind == "points":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = points
                cells.append(cell)
            elif kind == "rag":
                cells.append(_rag_cell(sheet, value))
            elif kind == "word":
                cells.append(WriteOnlyCell(sheet, value=word(str(value.value))))
            else:
                cells.append(_text_cell(sheet, value))
        sheet.append(cells)
    last = get_column_letter(len(_SCORECARD_SHEET))
    sheet.auto_filter.ref = f"A1:{last}{len(card.rows) + 1}"  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _headings(sheet: WriteOnlyWorksheet, labels: list[str]) -> list[Cell]:
    cells = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        cell.fill = _HEADING_FILL
        cells.append(cell)
    return cells


def _rag_cell(sheet: WriteOnlyWorksheet, rag: Any) -> Cell:
    cell = WriteOnlyCell(sheet, value=word(rag.value))
    fill, ink = RAG_FILLS[rag.value]
    cell.fill = PatternFill("solid", fgColor=fill)
    cell.font = Font(bold=True, color=ink)
    return cell


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Cell:
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    # Control characters stored before titles refused them: openpyxl would raise.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"  # "=SUM(...)" in a title is text, never a formula
    return cell
