"""Reports as files: CSV text (with formula injection defused), the outturn workbook, media
types and download headers. No I/O beyond the bytes handed back."""

from __future__ import annotations

import csv
import io
import types
from collections.abc import AsyncIterable, Iterable, Sequence
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension, DimensionHolder
from pydantic import BaseModel

from app.reports.schemas import (
    MEASURE_COLUMNS,
    OUTTURN_COLUMNS,
    ExceptionReport,
    ExceptionRow,
    OutturnRow,
)
from app.status.schemas import Scorecard, StatusRead

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


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


def csv_line(fields: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_cell(field) for field in fields])
    return buffer.getvalue()


def outturn_csv_header() -> bytes:
    return csv_line(OUTTURN_COLUMNS).encode()


def outturn_csv_line(row: OutturnRow) -> bytes:
    return csv_line(getattr(row, column) for column in OUTTURN_COLUMNS).encode()


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
    return rows_csv(card.rows, SCORECARD_COLUMNS)


EXCEPTION_COLUMNS = scalar_columns(ExceptionRow)


def exceptions_csv(report: ExceptionReport) -> str:
    """The exception report's rows as CSV: the scalar fields of each row, in the JSON's order
    (the status's, then the previous status and the flags; the actions are left out)."""
    return rows_csv(report.rows, EXCEPTION_COLUMNS)


def rows_csv(rows: Iterable[BaseModel], columns: Sequence[str]) -> str:
    lines = [csv_line(columns)]
    lines += [csv_line(getattr(row, column) for column in columns) for row in rows]
    return "".join(lines)


# XLSX

WIDTHS = {
    "indicator_code": 14,
    "title": 48,
    "org_unit_code": 14,
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
    "direction_vs_last_year": 16,
}


def number_format(places: int) -> str:
    """A plain number format with the indicator's decimal places (values such as 78.5 are
    already percentages, so no % format)."""
    return "#,##0" + ("." + "0" * places if places else "")


def xlsx_cells(sheet: WriteOnlyWorksheet, row: OutturnRow) -> list[Cell]:
    cells = []
    places = number_format(row.decimal_places)
    for column in OUTTURN_COLUMNS:
        value = getattr(row, column)
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, str):
            # Control characters stored before titles refused them: openpyxl would raise.
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell = WriteOnlyCell(sheet, value=value)
        if column in MEASURE_COLUMNS and value is not None:
            cell.number_format = places
        elif isinstance(value, str):
            # A title such as "=SUM(...)" is text, never a formula.
            cell.data_type = "s"
        cells.append(cell)
    return cells


async def outturn_xlsx(rows: AsyncIterable[OutturnRow], *, year_code: str) -> bytes:
    """A workbook with one sheet: bold frozen header, numbers as numbers in the indicator's
    decimal places. Write-only, so rows go to disk as they come rather than into memory."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(title=f"Outturn {year_code}")
    sheet.freeze_panes = "A2"
    # The stubs leave column_dimensions off write-only sheets; openpyxl has them.
    widths: DimensionHolder[str, ColumnDimension] = sheet.column_dimensions  # type: ignore[attr-defined]
    for index, column in enumerate(OUTTURN_COLUMNS, start=1):
        widths[get_column_letter(index)].width = WIDTHS.get(column, 12)
    bold = Font(bold=True)
    header = []
    for column in OUTTURN_COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    async for row in rows:
        sheet.append(xlsx_cells(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
