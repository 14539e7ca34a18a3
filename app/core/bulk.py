"""Bulk writes: one statement for many rows, COPY on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, any_, bindparam, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.core.changes import mark_changed, named_by


def one_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter however
    many values, so a batch of thousands neither swells the statement nor defeats its cache."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == any_(array)  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]


class JSONText(str):
    """A JSON column's value already encoded as JSON text (the audit chain's snapshots, encoded
    once for their hash): COPY writes it as it is rather than encoding the value again."""


def _json_text(value: Any) -> str:
    if type(value) is JSONText:
        return value
    if type(value) is list and not value:
        return "[]"  # most quality_flags: not worth an encoder's call
    return json.dumps(value)


def _decoded(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with any JSONText back as the value it encodes, for an INSERT through
    SQLAlchemy (whose JSON type encodes what it is given)."""
    keys = _copy_plan(table).json_keys
    if not any(type(row.get(key)) is JSONText for row in rows for key in keys):
        return rows
    return [
        {
            **row,
            **{key: json.loads(row[key]) for key in keys if type(row.get(key)) is JSONText},
        }
        for row in rows
    ]


async def bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in one go: COPY on PostgreSQL (several times faster than a multi-row
    INSERT), an executemany INSERT elsewhere. Rows may leave out columns that have defaults;
    a JSON column may be given as JSONText."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(table), _decoded(table, rows))
        return
    mark_changed(session, table, named_by(table, rows))  # COPY passes no session event
    records = _copy_plan(table).records(rows)
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(
        table.name, records=records, columns=[column.name for column in table.columns]
    )


@dataclass(frozen=True)
class _CopyPlan:
    """How to turn a table's rows into COPY records, worked out once per table. COPY skips
    SQLAlchemy's defaults and bind processing, so this does the part of them our rows need:
    scalar and generated defaults, and JSON as text (asyncpg takes Decimal, UUID, datetime and
    str enums as they are; JSONText is text already)."""

    defaults: dict[str, Any]
    generated: tuple[tuple[str, Callable[[Any], Any]], ...]
    json_keys: tuple[str, ...]
    record: Callable[[dict[str, Any]], tuple[Any, ...]]

    def records(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        out = []
        for row in rows:
            full = {**self.defaults, **row}
            for key, make in self.generated:
                if key not in row:
                    full[key] = make(None)
            for key in self.json_keys:
                if full[key] is not None:
                    full[key] = _json_text(full[key])
            out.append(self.record(full))
        return out


_COPY_PLANS: dict[str, _CopyPlan] = {}


def _copy_plan(table: Table) -> _CopyPlan:
    plan = _COPY_PLANS.get(table.fullname)
    if plan is None:
        columns = list(table.columns)
        keys = [column.key for column in columns]
        getter = itemgetter(*keys)
        plan = _COPY_PLANS[table.fullname] = _CopyPlan(
            defaults={
                column.key: column.default.arg  # type: ignore[attr-defined]
                if column.default is not None and column.default.is_scalar
                else None
                for column in columns
            },
            generated=tuple(
                (column.key, column.default.arg)  # type: ignore[attr-defined]
                for column in columns
                if column.default is not None and column.default.is_callable
            ),
            json_keys=tuple(column.key for column in columns if isinstance(column.type, JSON)),
            record=(lambda row: (getter(row),)) if len(keys) == 1 else getter,
        )
    return plan
