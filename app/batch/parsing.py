"""Reading a bulk push: JSON items or CSV rows, into raw items the service checks one by one."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.batch.schemas import CSV_COLUMNS, MAX_ITEMS, REQUIRED_CSV_COLUMNS, BatchIn
from app.batch.service import RawItem
from app.core.errors import AppError, InvalidInput, PayloadTooLarge

_BATCH = TypeAdapter(BatchIn)


class UnsupportedMediaType(AppError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class MalformedBody(AppError):
    status, title, slug = 400, "Malformed request", "malformed"


def _too_many(count: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{count} items: a batch takes at most {MAX_ITEMS}; split it.")


def parse_json(body: bytes) -> tuple[list[RawItem], bool, bool]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"The body is not valid JSON: {exc}.") from exc
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise _too_many(len(items))
    try:
        batch = _BATCH.validate_python(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The batch is not of the expected shape; see errors.",
            errors=[
                {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ],
        ) from exc
    raw = [RawItem(index=i, data=item) for i, item in enumerate(batch.items)]
    return raw, batch.submit, batch.atomic


def parse_csv(body: bytes) -> list[RawItem]:
    """Rows of a CSV with a header row; empty cells are absent fields; flags split on ';'."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBody("The CSV is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED_CSV_COLUMNS if column not in header]
    unknown = [column for column in header if column not in CSV_COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            "The CSV header must name the columns "
            f"{', '.join(CSV_COLUMNS)} (indicator_code, period and value at least).",
            errors=[
                {"loc": ["header", column], "msg": "missing column", "type": "missing"}
                for column in missing
            ]
            + [
                {"loc": ["header", column], "msg": "unknown column", "type": "extra_forbidden"}
                for column in unknown
            ],
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
                    data[column] = cell.strip()
            if "quality_flags" in data:
                data["quality_flags"] = [
                    f.strip() for f in data["quality_flags"].split(";") if f.strip()
                ]
            items.append(RawItem(index=index, data=data, line=reader.line_num))
    except csv.Error as exc:
        raise MalformedBody(f"The CSV cannot be read at line {reader.line_num}: {exc}.") from exc
    return items
