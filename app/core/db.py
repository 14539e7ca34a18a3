"""Database plumbing: the declarative base, exact column types, engines and sessions."""

from __future__ import annotations

import json
import uuid
from collections.abc import (
    AsyncIterator,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Enum,
    MetaData,
    Numeric,
    String,
    Table,
    any_,
    bindparam,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    declared_attr,
    mapped_column,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, Uuid

from app.core.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: ExactDecimal(),
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking: the version is the ETag, and a concurrent update loses with 412."""

    version: Mapped[int] = mapped_column(nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - a declared_attr takes the class
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def create_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> AsyncEngine:
    """An engine for the URL, with SQLite set up for real transactions and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over
    # (the recipe in SQLAlchemy's SQLite dialect notes). BEGIN IMMEDIATE takes the write lock
    # up front, so two concurrent requests queue instead of failing with "database is locked".
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if ":memory:" not in engine.url.render_as_string():
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A connection marked read_only (the readiness probe) need not queue behind writers.
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_sessionmaker(
    engine: AsyncEngine, *, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions for the engine; ``info`` is shared by every session made (caches live there)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error.

    An error marked ``keeps_changes`` is the answer, yet what was recorded on the way stands:
    a failed sign-in must still count towards throttling.
    """
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException as exc:
            if getattr(exc, "keeps_changes", False):
                await session.commit()
            else:
                await session.rollback()
            raise
        else:
            await session.commit()


# Change tracking (see app.core.changes): which indicators each transaction's writes bear on.
# A table a status is computed from says so in its info: ``{CHANGES: "indicator_id"}`` names the
# column holding the one indicator a row belongs to; ``{CHANGES: EVERY}`` marks rows that may
# bear on every indicator (periods, org units, council settings). Other tables are not tracked.
CHANGES = "changes"
EVERY = "*"
# The execution option by which a statement whose rows do not name their indicators (an UPDATE
# by value id, say) says which indicators it changes; without it, it changes every one.
CHANGED_INDICATORS = "changed_indicators"
_CHANGED = "db.changed"


def tracked(scope: str) -> dict[str, Any]:
    """Table arguments marking a table a status is computed from: ``scope`` is the column
    naming the indicator a row belongs to, or EVERY."""
    return {"info": {CHANGES: scope}}


# More indicators than this in one transaction are recorded as a change to every indicator.
MAX_NAMED = 1000

_NEXT_VERSION = text(
    "UPDATE data_version SET token = :token, seq = seq + 1 WHERE id = 1 RETURNING seq"
)
_RECORD = text(
    "INSERT INTO data_change (seq, token, indicators) VALUES (:seq, :token, :indicators)"
)
_PRUNE = text("DELETE FROM data_change WHERE seq <= :seq")
KEEP_CHANGES = 1000  # the change log keeps about this many transactions
_PRUNE_EVERY = 100


@dataclass
class Changed:
    """What one transaction has written that a status reads: some indicators, or every one."""

    every: bool = False
    indicators: set[uuid.UUID] = field(default_factory=set)

    def add(self, indicators: Iterable[Any] | None) -> None:
        if self.every:
            return
        if indicators is None:
            self.every = True
            return
        self.indicators.update(indicators)
        if None in self.indicators or len(self.indicators) > MAX_NAMED:
            self.every, self.indicators = True, set()


def mark_changed(
    session: Session | AsyncSession, table: Table, indicators: Iterable[Any] | None = None
) -> None:
    """Note that this transaction wrote rows of ``table`` belonging to ``indicators`` (None:
    not known, so every indicator). For writes the ORM does not see, e.g. COPY."""
    scope = table.info.get(CHANGES)
    if scope is None:
        return
    changed = session.info.setdefault(_CHANGED, Changed())
    changed.add(None if scope == EVERY else indicators)


def _named_by(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[Any] | None:
    """The indicators rows to be inserted into ``table`` belong to; None where they do not
    all say (a generated id, a table of rows bearing on every indicator)."""
    scope = table.info.get(CHANGES)
    if scope in (None, EVERY) or not rows or not all(scope in row for row in rows):
        return None
    return [row[scope] for row in rows]


def has_changes(session: Session | AsyncSession) -> bool:
    """Whether this transaction has written, or is about to write, what a status reads."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    return _CHANGED in sync.info or any(True for _ in _pending(sync))


def _pending(session: Session) -> Iterator[tuple[Table, Any]]:
    """Each new, changed or deleted object of a tracked table, with its table."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__table__", None)
        if isinstance(table, Table) and CHANGES in table.info:
            yield table, instance


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # Still the state before the flush: the objects just written.
    for table, instance in _pending(session):
        scope = table.info[CHANGES]
        # The indicator before and after the change (a row moved to another one bears on
        # both), from what is loaded: no lazy load in the middle of a flush. Not loaded, or
        # none: every indicator.
        history = () if scope == EVERY else inspect(instance).attrs[scope].history.sum()
        mark_changed(session, table, [v for v in history if v is not None] or None)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table) or CHANGES not in table.info:
        return
    # The indicators come from the caller (CHANGED_INDICATORS) or from the rows an INSERT
    # writes (an UPDATE's parameters may name the new indicator but not the old one); a
    # statement that names neither may touch any indicator.
    indicators = state.execution_options.get(CHANGED_INDICATORS)
    if indicators is None and state.is_insert:
        rows = state.parameters
        indicators = _named_by(table, [rows] if isinstance(rows, Mapping) else rows or [])
    mark_changed(state.session, table, indicators)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # The commit flushes after this event: flush first, so what it writes is noted.
    if any(True for _ in _pending(session)):
        session.flush()
    changed = session.info.pop(_CHANGED, None)
    if changed is None:
        return
    token = uuid.uuid4().hex
    # The row lock taken here is held until the commit: transactions that change data commit
    # in the order of their numbers, so a reader never finds a number with an earlier one
    # still to come.
    seq = session.execute(_NEXT_VERSION, {"token": token}).scalar_one()
    indicators = None if changed.every else json.dumps(sorted(map(str, changed.indicators)))
    session.execute(_RECORD, {"seq": seq, "token": token, "indicators": indicators})
    if seq % _PRUNE_EVERY == 0:
        session.execute(_PRUNE, {"seq": seq - KEEP_CHANGES})


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(_CHANGED, None)


def one_of(session: AsyncSession, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter however
    many values, so a batch of thousands neither swells the statement nor defeats its cache."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == any_(array)  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]


async def bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in one go: COPY on PostgreSQL (several times faster than a multi-row
    INSERT), an executemany INSERT elsewhere. Rows may leave out columns that have defaults."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(table), rows)
        return
    mark_changed(session, table, _named_by(table, rows))  # COPY passes no session event
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
    str enums as they are)."""

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
                    full[key] = json.dumps(full[key])
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
