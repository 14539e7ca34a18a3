"""Database plumbing: the declarative base and its mixins, engines, sessions and the unit of
work. Column types are in ``app.core.types``, bulk writes in ``app.core.bulk``, and the change
tracking a sessionmaker is given in ``app.core.changes``."""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import Uuid
from sqlalchemy.util.concurrency import await_

from app.core.clock import utcnow
from app.core.types import ExactDecimal, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
    engine = create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True
    )
    _ping_in_one_round_trip(engine)
    return engine


def create_probe_engine(url: str) -> AsyncEngine:
    """A second engine of one connection for the readiness probe, so that it never queues for
    the request pool under load, and gives up within seconds when the database is away."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 2})
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=PROBE_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        connect_args={"timeout": PROBE_TIMEOUT_SECONDS, "command_timeout": PROBE_TIMEOUT_SECONDS},
    )
    # The probe's question is whether the database answers now: its connection is always asked.
    _ping_in_one_round_trip(engine, bypass=False)
    return engine


PROBE_TIMEOUT_SECONDS = 2


# A connection handed back to the pool this recently is not pinged again at its next checkout
# (HikariCP's aliveBypassWindowMs, 500 ms by default, is the same idea): under load a connection
# goes out again within milliseconds, and the ping was a round trip for every request. A
# connection the server dropped inside the window fails its first statement instead; SQLAlchemy
# sees the disconnect, invalidates the pool's older connections, and the request gets a 503.
PING_BYPASS_SECONDS = 0.5


def _ping_in_one_round_trip(engine: AsyncEngine, *, bypass: bool = True) -> None:
    """The pool's check of a connection before each checkout (``pool_pre_ping``) in one round
    trip, and none for a connection handed back within ``PING_BYPASS_SECONDS`` (unless
    ``bypass`` is off). asyncpg's own ping is three, BEGIN, an empty statement and ROLLBACK
    (the transaction is for PgBouncer in transaction mode, where a prepared statement outside
    one may reach another server connection): a fifth of a warm request's CPU went on round
    trips to ping. A statement in the simple query protocol (no arguments) prepares nothing, so
    it is as safe there.
    A dead connection fails it as it failed the other, and the pool reconnects."""
    if engine.dialect.driver != "asyncpg":
        return
    # When each driver connection was last handed back in good order (weakly: a connection
    # closed by the pool drops out by itself).
    returned: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def do_ping(dbapi_connection: Any) -> bool:
        raw = dbapi_connection._connection
        handed_back = returned.pop(raw, None)
        if handed_back is not None and time.monotonic() - handed_back < PING_BYPASS_SECONDS:
            return True
        try:
            await_(raw.execute("SELECT 1"))
        except Exception as error:  # translated to the DBAPI's errors, as ping() does
            dbapi_connection._handle_exception(error)
        return True

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:  # None: the connection was invalidated, not returned
            returned[dbapi_connection._connection] = time.monotonic()

    engine.sync_engine.dialect.do_ping = do_ping  # type: ignore[method-assign]
    if bypass:
        event.listen(engine.sync_engine.pool, "checkin", on_checkin)


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


# What each install_once name has been installed on, forgotten with the object.
_INSTALLED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def install_once(target: Any, name: str) -> bool:
    """True the first time ``name`` is asked for on ``target`` (a sessionmaker, a pool): the
    caller then installs its listeners; False every time after.

    Not ``event.contains``: SQLAlchemy's registry keys listeners by ``id(target)`` and keeps a
    sessionmaker's entries after the sessionmaker is gone, so a new one made at a dropped one's
    address passed for installed, and its sessions committed with no change tracking: the data
    version stood still and statuses read as kept were stale."""
    done = _INSTALLED.setdefault(target, set())
    if name in done:
        return False
    done.add(name)
    return True


def create_sessionmaker(
    bind: AsyncEngine | AsyncConnection, **options: Any
) -> async_sessionmaker[AsyncSession]:
    """Sessions for the engine (or, in tests, a connection). Each sessionmaker has a session
    class of its own, so the listeners a mechanism installs on it (``install_change_tracking``)
    reach its sessions and no others."""
    return async_sessionmaker(
        bind,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=sessionmaker(),
        **options,
    )


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


def may_run_outside_a_transaction(session: AsyncSession) -> bool:
    """Whether the session may run statements outside a transaction (``AUTOCOMMIT``): on
    PostgreSQL, and on an engine's own connections only; a session bound to a connection (the
    tests') shares a transaction that is not its to end."""
    bind = session.bind
    return isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql"


T = TypeVar("T")


@asynccontextmanager
async def reading_aside(
    maker: async_sessionmaker[AsyncSession] | None, read: Callable[[AsyncSession], Awaitable[T]]
) -> AsyncIterator[Awaitable[T | None]]:
    """``read`` started now in a plain session (none of the app's listeners: it only reads)
    on a connection of its own, while the caller goes on reading on its session; awaited, its
    answer, or None where the caller is to read in turn (nothing was started, or the idle
    connection was taken before the read began). Cancelled, and its connection back in the
    pool, on leaving.

    Only on PostgreSQL, with ``maker`` bound to an engine (not to one connection, as in tests),
    and on a connection idle in its pool: never waiting for one, nor opening one, while the
    caller holds its own (a busy server reads in turn; a pool of computations each waiting
    for a second connection would hold every connection and wait on itself). The caller must
    not have written: each statement aside runs outside a transaction, as current as any
    statement of the caller's at READ COMMITTED or outside a transaction, but blind to its
    uncommitted rows."""
    bind = maker.kw.get("bind") if maker is not None else None
    if (
        not isinstance(bind, AsyncEngine)
        or bind.dialect.name != "postgresql"
        or not isinstance(bind.pool, QueuePool)
        or bind.pool.checkedin() == 0
    ):
        nothing: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        nothing.set_result(None)
        yield nothing
        return
    pool = bind.pool

    async def aside() -> T | None:
        # Asked again as the task starts, as other tasks ran since: an idle connection is
        # then checked out before the first await (SQLAlchemy's pool takes one it holds
        # without awaiting), so none is opened or waited for.
        if pool.checkedin() == 0:
            return None
        async with bind.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(connection) as reader:
                return await read(reader)

    task = asyncio.create_task(aside())
    try:
        yield task
    finally:
        task.cancel()
        # Its error (if any) taken, and its connection handed back, before leaving.
        await asyncio.gather(task, return_exceptions=True)


async def holds_sqlite_write_lock(session: AsyncSession) -> bool:
    """Whether the session's transaction is an SQLite writer's (BEGIN IMMEDIATE, above): a
    second session of the same process would wait on that very lock until the busy timeout."""
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return False
    connection = (await session.connection()).sync_connection
    assert connection is not None  # the session's transaction has begun
    return not connection.get_execution_options().get("read_only", False)
