"""Column types that mean the same on every backend: exact decimals, UTC timestamps, enums;
and ids read as text for bulk reads (``raw_uuid``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Dialect, Enum, Numeric, String, Text, cast, func, type_coerce
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import DateTime, TypeDecorator

# Measurements keep up to 10 decimal places and 20 integer digits on PostgreSQL.
MEASURE_PRECISION = 30
MEASURE_SCALE = 10


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal that round-trips exactly on every backend.

    PostgreSQL has a true NUMERIC. SQLite would store NUMERIC as a binary float, so there the
    value is kept as its decimal text instead.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(MEASURE_PRECISION, MEASURE_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactDecimal takes Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError("ExactDecimal cannot store NaN or infinity")
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return normalise_decimal(Decimal(value) if isinstance(value, str) else value)


def normalise_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros a NUMERIC column adds, without switching to exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def exact_text(column: Any, dialect: Dialect) -> ColumnElement[Any]:
    """An ``ExactDecimal`` column for a bulk read: on PostgreSQL its trailing zeros trimmed by
    the server and sent as text (``trim_scale(column)::text``; asyncpg decodes text several
    times faster than NUMERIC's binary form), for ``decimal_of_text`` to read; elsewhere the
    column as it is, read by ``ExactDecimal`` itself (``decimal_of_text`` passes it through)."""
    if dialect.name != "postgresql":
        return column  # type: ignore[no-any-return]
    return type_coerce(cast(func.trim_scale(column), Text()), String())


def decimal_of_text(value: Any) -> Decimal | None:
    """A value ``exact_text`` read, as ``ExactDecimal`` would give it: the same Decimal, digit
    for digit and exponent for exponent (``normalise_decimal``'s)."""
    if type(value) is not str:
        return value  # type: ignore[no-any-return]  # None, or a Decimal ExactDecimal made
    number = Decimal(value)
    # The server's trimmed text is already the normalised number, except where it has more
    # digits than the default context's 28, which ``normalise_decimal`` rounds to.
    return normalise_decimal(number) if len(value) > 28 else number


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use app.core.clock.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column stored as its values (VARCHAR + CHECK, never a native type)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def raw_uuid(
    column: ColumnElement[uuid.UUID] | QueryableAttribute[uuid.UUID],
) -> ColumnElement[Any]:
    """``column`` as the driver gives it (text on SQLite, the driver's own UUID on
    PostgreSQL), not a ``uuid.UUID`` made per row: for reads of tens of thousands of rows naming
    a few thousand ids, each turned into an id once by ``UuidMemo``."""
    return type_coerce(column, String())


class UuidMemo(dict[Any, uuid.UUID]):
    """Ids as drivers give them to ``uuid.UUID``, each made once: ``memo[raw]``."""

    def __missing__(self, key: Any) -> uuid.UUID:
        # asyncpg's UUID is a ``uuid.UUID`` already: its 16 bytes make a plain one about three
        # times faster than its text does; SQLite's text is parsed.
        made = self[key] = (
            uuid.UUID(bytes=key.bytes) if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
        )
        return made
