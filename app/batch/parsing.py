"""Reading a bulk push: JSON items or CSV rows, into raw items the service checks one by one."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from app.batch.items import RawItem
from app.batch.schemas import CSV_COLUMNS, MAX_ITEMS, REQUIRED_CSV_COLUMNS, BatchIn
from app.core.errors import AppError, InvalidInput, PayloadTooLarge

_BATCH = TypeAdapter(BatchIn)
Batch = TypeVar("Batch")
# The columns of free text, where a line break is allowed.
_FREE_TEXT = {"commentary", "reason"}
_LINE_BREAK = re.compile(r"[\r\n]")
# A line inside a quoted commentary that starts like a row of this CSV (a code, then a period
# code): the sign of a quote left open that swallowed the rows after it.
_SWALLOWED_ROW = re.compile(
    r"[\r\n][^,\r\n\"]{1,32},\s*\d{4}-(?:\d{2}|\d{2}-Q[1-4])\s*(?:,|$)", re.M
)


class UnsupportedMediaType(AppError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class MalformedBody(AppError):
    status, title, slug = 400, "Malformed request", "malformed"


def _too_many(count: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{count} items: a batch takes at most {MAX_ITEMS}; split it.")


# At most this many header errors are listed: a header of a hundred thousand unknown columns
# gets a short answer, not one error each.
MAX_HEADER_ERRORS = 20


def parse_json(body: bytes) -> tuple[list[RawItem], bool, bool]:
    batch = load_json(body, _BATCH)
    raw = [RawItem(index=i, data=item) for i, item in enumerate(batch.items)]
    return raw, batch.submit, batch.atomic


def load_json(body: bytes, adapter: TypeAdapter[Batch]) -> Batch:
    """A bulk request's JSON body, of the shape the adapter says (its items checked later)."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"The body is not valid JSON: {exc}.") from exc
    except RecursionError as exc:
        raise MalformedBody("The body is not valid JSON: it is nested too deeply.") from exc
    except ValueError as exc:  # an integer of thousands of digits
        raise MalformedBody(f"The body is not valid JSON: {exc}.") from exc
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise _too_many(len(items))
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The batch is not of the expected shape; see errors.",
            errors=[
                {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ],
        ) from exc


def parse_csv(
    body: bytes,
    *,
    columns: tuple[str, ...] = CSV_COLUMNS,
    required: tuple[str, ...] = REQUIRED_CSV_COLUMNS,
) -> list[RawItem]:
    """Rows of a CSV with a header row; empty cells are absent fields; flags split on ';'."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBody("The CSV is not UTF-8 text.") from exc
    # strict: a quote left open is an error, not a field that swallows the lines after it.
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise MalformedBody(f"The CSV header cannot be read: {exc}.") from exc
    missing = [column for column in required if column not in header]
    unknown = [column for column in header if column not in columns]
    if missing or unknown:
        errors = [
            {"loc": ["header", column], "msg": "missing column", "type": "missing"}
            for column in missing
        ] + [
            {"loc": ["header", column[:100]], "msg": "unknown column", "type": "extra_forbidden"}
            for column in unknown[:MAX_HEADER_ERRORS]
        ]
        more = len(unknown) - MAX_HEADER_ERRORS
        raise InvalidInput(
            "The CSV header must name the columns "
            f"{', '.join(columns)} ({', '.join(required)} at least)."
            + (f" {more} more unknown columns are not listed." if more > 0 else ""),
            errors=errors,
        )
    items: list[RawItem] = []
    try:
        for index, row in enumerate(reader):
            if index >= MAX_ITEMS:
                raise _too_many(index + 1)
            data: dict[str, Any] = {}
            for column, cell in row.items():
                if column is None:  # more cells than header columns
                    data["extra_cells"] = cell
                elif cell is not None and cell.strip() != "":
                    free_text = column in _FREE_TEXT
                    if not free_text and _LINE_BREAK.search(cell):
                        raise MalformedBody(
                            f"Line {reader.line_num}: a line break inside the {column} field; "
                            "is a quote left open?"
                        )
                    if free_text and _SWALLOWED_ROW.search(cell):
                        raise MalformedBody(
                            f"Line {reader.line_num}: the {column} holds what reads as "
                            "further rows; is a quote left open?"
                        )
                    data[column] = cell.strip()
            if "quality_flags" in data:
                data["quality_flags"] = [
                    f.strip() for f in data["quality_flags"].split(";") if f.strip()
                ]
            items.append(RawItem(index=index, data=data, line=reader.line_num))
    except csv.Error as exc:
        raise MalformedBody(f"The CSV cannot be read at line {reader.line_num}: {exc}.") from exc
    return items
