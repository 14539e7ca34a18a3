"""Free-text search filters shared by list endpoints."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import InstrumentedAttribute

_ESCAPE = "\\"


def contains(q: str, *columns: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """Case-insensitive 'contains q' on any of the columns, with % and _ taken literally."""
    escaped = (
        q.lower()
        .replace(_ESCAPE, _ESCAPE * 2)
        .replace("%", _ESCAPE + "%")
        .replace("_", _ESCAPE + "_")
    )
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape=_ESCAPE) for column in columns))
