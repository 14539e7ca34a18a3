"""The data version, and the log of which indicators each committed change bore on.

Whatever a status is computed from (indicators, values, targets, comments, benchmarks, SPC
settings, periods, org units, council settings) changes only through a session, and those
tables say so in their info (``tracked``). The listeners ``install_change_tracking`` puts on a
sessionmaker note which indicators a transaction's writes belong to, and just before the
transaction commits they give the data version a new random token and the next number, and
log the change: the indicators it touched, or none named when it may bear on every indicator
(a period, an org unit, a council setting, or more than ``MAX_NAMED`` indicators at once).

A reader that finds the token unchanged knows nothing it could read has changed since, in this
process or in any other worker; one that finds it moved asks the log which indicators changed
and recomputes only those (``app.status.cache`` keeps computed statuses this way, and
``app.org.service`` the organisation tree scopes and subtree filters are worked out on).
Numbers follow the order of commits, as the data version's row is locked from the moment it is
renewed until the commit. On PostgreSQL the renewal is done by the database as the transaction
commits (a deferred trigger, migration 0027): the transaction logs its change under a
provisional negative number, and the trigger numbers it and renews the version inside COMMIT,
so the row is locked for the commit only and never while the client is away (writers across
every worker would otherwise queue on it). SQLite has one writer at a time and renews it here.
The token is random, not derived from the number, so that a number reused after a rollback is
never mistaken for the state it once named. The log keeps about ``KEEP_CHANGES`` transactions;
a reader further behind than that recomputes everything, and so does every reader once the
token is set by hand (after data was changed with SQL, outside the service):
``UPDATE data_version SET token = '<any new text>'``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, String, Table, Text, event, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from app.core.db import Base, install_once

# A table a status is computed from says so in its info: ``{CHANGES: "indicator_id"}`` names the
# column holding the one indicator a row belongs to; ``{CHANGES: EVERY}`` marks rows that may
# bear on every indicator (periods, org units, council settings); ``{CHANGES: NO_INDICATOR}``
# marks rows a status does not read but an answer kept under the data version does (the
# budgets, plans and projects of the scorecard's spend): a change to them renews the version
# and names no indicator, so no status is recomputed. Other tables are not tracked.
CHANGES = "changes"
EVERY = "*"
NO_INDICATOR = "-"
# The execution option by which a statement whose rows do not name their indicators (an UPDATE
# by value id, say) says which indicators it changes; without it, it changes every one.
CHANGED_INDICATORS = "changed_indicators"
_CHANGED = "db.changed"


def tracked(scope: str) -> dict[str, Any]:
    """Table arguments marking a table a status is computed from: ``scope`` is the column
    naming the indicator a row belongs to, or EVERY; or one only kept answers read:
    NO_INDICATOR."""
    return {"info": {CHANGES: scope}}


# More indicators than this in one transaction are recorded as a change to every indicator.
MAX_NAMED = 1000

_NEXT_VERSION = text(
    "UPDATE data_version SET token = :token, seq = seq + 1 WHERE id = 1 RETURNING seq"
)
# On PostgreSQL: the change under a provisional number; the trigger `data_change_numbered`
# numbers it, renews the version and prunes the log as the transaction commits.
_RECORD_PENDING = text(
    "INSERT INTO data_change (seq, token, indicators) "
    "VALUES (-nextval('data_change_pending'), :token, :indicators)"
)
_RECORD = text(
    "INSERT INTO data_change (seq, token, indicators) VALUES (:seq, :token, :indicators)"
)
_PRUNE = text("DELETE FROM data_change WHERE seq <= :seq")
KEEP_CHANGES = 1000  # the change log keeps about this many transactions (and migration 0027)
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
    if scope == NO_INDICATOR:
        changed.add(())  # the version renewed, no indicator named
        return
    changed.add(None if scope == EVERY else indicators)


def named_by(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[Any] | None:
    """The indicators rows to be inserted into ``table`` belong to; None where they do not
    all say (a generated id, a table of rows bearing on every indicator)."""
    scope = table.info.get(CHANGES)
    if scope in (None, EVERY, NO_INDICATOR) or not rows or not all(scope in row for row in rows):
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


def _after_flush(session: Session, _context: Any) -> None:
    # Still the state before the flush: the objects just written.
    for table, instance in _pending(session):
        scope = table.info[CHANGES]
        # The indicator before and after the change (a row moved to another one bears on
        # both), from what is loaded: no lazy load in the middle of a flush. Not loaded, or
        # none: every indicator.
        if scope in (EVERY, NO_INDICATOR):
            mark_changed(session, table)
            continue
        history = inspect(instance).attrs[scope].history.sum()
        mark_changed(session, table, [v for v in history if v is not None] or None)


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
        indicators = named_by(table, [rows] if isinstance(rows, Mapping) else rows or [])
    mark_changed(state.session, table, indicators)


def _before_commit(session: Session) -> None:
    # The commit flushes after this event: flush first, so what it writes is noted.
    if any(True for _ in _pending(session)):
        session.flush()
    changed = session.info.pop(_CHANGED, None)
    if changed is None:
        return
    token = uuid.uuid4().hex
    indicators = None if changed.every else json.dumps(sorted(map(str, changed.indicators)))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_RECORD_PENDING, {"token": token, "indicators": indicators})
        return
    # The row lock taken here is held until the commit: transactions that change data commit
    # in the order of their numbers, so a reader never finds a number with an earlier one
    # still to come. (SQLite's one writer holds the database's lock anyway.)
    seq = session.execute(_NEXT_VERSION, {"token": token}).scalar_one()
    session.execute(_RECORD, {"seq": seq, "token": token, "indicators": indicators})
    if seq % _PRUNE_EVERY == 0:
        session.execute(_PRUNE, {"seq": seq - KEEP_CHANGES})


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(_CHANGED, None)


def install_change_tracking(maker: async_sessionmaker[AsyncSession]) -> None:
    """Give the sessions of ``maker`` change tracking: every commit that writes what a status
    reads renews the data version and logs the indicators it bore on. The app installs it from
    its lifespan; tests and benchmarks call it on the sessionmakers they make."""
    sync_maker = maker.kw.get("sync_session_class")
    if sync_maker is None:
        raise ValueError("make the sessionmaker with app.core.db.create_sessionmaker")
    if not install_once(sync_maker, "change tracking"):
        return
    event.listen(sync_maker, "after_flush", _after_flush)
    event.listen(sync_maker, "do_orm_execute", _on_execute)
    event.listen(sync_maker, "before_commit", _before_commit)
    event.listen(sync_maker, "after_soft_rollback", _after_rollback)


class DataVersion(Base):
    """One row: the token and number of the last committed change."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")


class DataChange(Base):
    """One committed change: its number and token, and the indicators it bore on as a JSON
    list of ids (NULL: every indicator)."""

    __tablename__ = "data_change"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    indicators: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Version:
    token: str
    seq: int


# Read by most requests (every report, the kept spend): built once.
_CURRENT = select(DataVersion.token, DataVersion.seq).where(DataVersion.id == 1)
# The same, as two columns a request's first statement carries (the principal's user: app.auth),
# so that what the request keeps or finds under the version costs no statement of its own.
VERSION_COLUMNS = (
    select(DataVersion.token).where(DataVersion.id == 1).scalar_subquery().label("dv_token"),
    select(DataVersion.seq).where(DataVersion.id == 1).scalar_subquery().label("dv_seq"),
)
_READ_WITH_REQUEST = "db.version_read"


async def current_version(session: AsyncSession) -> Version:
    """The data version as it stands now, read in its own statement."""
    # On the session's connection: a plain row, round the ORM's execution (every read asks).
    row = (await (await session.connection()).execute(_CURRENT)).one_or_none()
    return Version(row.token, row.seq) if row else Version("", 0)


def read_with_request(session: AsyncSession, token: str | None, seq: int | None) -> None:
    """Note the data version ``VERSION_COLUMNS`` read in the session's transaction (None, None:
    the version's row is missing), for ``request_version`` to give."""
    sync = session.sync_session
    version = Version(token, seq) if token is not None and seq is not None else Version("", 0)
    sync.info[_READ_WITH_REQUEST] = (sync.get_transaction(), version)


async def request_version(session: AsyncSession) -> Version:
    """The data version this request read with its principal, if it did so in this very
    transaction and has written nothing since; else as it stands now (``current_version``).

    Either is a version read before the data the caller reads next, which is all a status kept
    or found under it needs (``app.status.cache``): on PostgreSQL each statement of a read sees
    what was committed when it began, and on SQLite a read transaction sees what was committed
    at its first statement, which the principal's is. Never where the version must be as it
    stands *now* (after waiting for a claim: ``app.status.service``)."""
    noted = noted_version(session)
    return noted if noted is not None else await current_version(session)


def noted_version(session: AsyncSession) -> Version | None:
    """The data version ``read_with_request`` noted, while it stands (this very transaction,
    nothing written since); else None."""
    sync = session.sync_session
    noted = sync.info.get(_READ_WITH_REQUEST)
    if noted is not None and noted[0] is sync.get_transaction() and not has_changes(session):
        return noted[1]  # type: ignore[no-any-return]
    return None


async def changed_since(
    session: AsyncSession, version: Version, *, until: Version
) -> set[uuid.UUID] | None:
    """The indicators changed by the changes committed after ``version`` up to ``until``; None
    when that is not narrower than every indicator: a change to all of them, or a version the
    log does not hold (pruned, never committed, or set by hand to force a recomputation)."""
    rows = (
        await session.execute(
            select(DataChange.seq, DataChange.token, DataChange.indicators)
            .where(DataChange.seq >= version.seq, DataChange.seq <= until.seq)
            .order_by(DataChange.seq)
        )
    ).all()
    if (
        not rows
        or (rows[0].seq, rows[0].token) != (version.seq, version.token)
        or (rows[-1].seq, rows[-1].token) != (until.seq, until.token)
    ):
        return None
    changed: set[uuid.UUID] = set()
    for _seq, _token, indicators in rows[1:]:
        if indicators is None:
            return None
        changed.update(uuid.UUID(text) for text in json.loads(indicators))
    return changed
