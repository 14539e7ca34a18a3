"""Rows as CSV text for any endpoint: every field, nested objects flattened, exact decimals,
formula injection defused. No I/O."""

from __future__ import annotations

import csv
import io
import json
import types
from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


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


def _member(annotation: Any) -> tuple[Any, bool]:
    """The type inside an optional annotation, and whether it is a list."""
    origin = get_origin(annotation)
    members = get_args(annotation) if origin in (Union, types.UnionType) else (annotation,)
    for member in members:
        if get_origin(member) is Annotated:
            member = get_args(member)[0]
        if member is type(None):
            continue
        if get_origin(member) in (list, tuple, set, frozenset):
            return member, True
        return member, False
    return type(None), False


def flat_columns(model: type[BaseModel], prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    """Every field of a model as CSV columns, in order: a nested object's fields flattened
    under its name (direction_vs_previous, ytd_value, forecast_value, benchmark_quartile), a
    list as one column of JSON; each with the attribute path that reads it."""
    columns: list[tuple[str, tuple[str, ...]]] = []
    for name, field in model.model_fields.items():
        member, is_list = _member(field.annotation)
        if not is_list and isinstance(member, type) and issubclass(member, BaseModel):
            columns += [
                (f"{prefix}{name}_{column}", (name, *path)) for column, path in flat_columns(member)
            ]
        else:
            columns.append((f"{prefix}{name}", (name,)))
    return columns


def _read(row: BaseModel, path: tuple[str, ...]) -> Any:
    value: Any = row
    for name in path:
        if value is None:
            return None
        value = getattr(value, name)
    if isinstance(value, list | tuple):
        return json.dumps(
            [
                item.model_dump(mode="json") if isinstance(item, BaseModel) else item
                for item in value
            ],
            ensure_ascii=False,
        )
    return value


def flat_csv(rows: Iterable[BaseModel], columns: Sequence[tuple[str, tuple[str, ...]]]) -> str:
    lines = [csv_line(name for name, _ in columns)]
    lines += [csv_line(_read(row, path) for _, path in columns) for row in rows]
    return "".join(lines)
