"""Computed statuses kept in the database: computed once, by whichever worker first finds them
missing or stale, and read by every other worker and by a worker after a restart.

A period's stored statuses stand under the data version in its ``status_snapshot`` row, like a
worker's in-memory snapshot (``app.status.cache``): each was computed from data at least that
new, on a day on the same side of the period's data due date. A reader at that exact version
takes them as they are (one statement for the header, one for the rows). A reader at a later
version has them brought forward under a claim: the statuses of the indicators the change log
names since are dropped (every one, after a change that may bear on all of them), the missing
ones computed and stored, and the header moved to the version the computation started from.

The claim keeps workers from computing the same thing side by side: a transaction-scoped
advisory lock per period on PostgreSQL, taken by a session of its own that also writes the
result and commits it (so the lock is held until the statuses are visible); a worker waiting
on it then finds them stored. Within one process an asyncio lock per period does the same, and
is all SQLite (one process) needs. Correctness never depends on the claim: statuses are only
stored under the version read before the data they were computed from, and only over a header
that is not newer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.changes import Version, changed_since
from app.core.clock import utcnow
from app.core.db import holds_sqlite_write_lock, unit_of_work
from app.measures.vocabulary import Rag
from app.status.cache import CachedStatus, Snapshot
from app.status.models import StatusSnapshot, StoredStatus

_ROWS: Table = StoredStatus.__table__  # type: ignore[assignment]
_HEADERS: Table = StatusSnapshot.__table__  # type: ignore[assignment]
# The first key of the two-key advisory locks taken here: "GT" and 20. Two-key locks never
# collide with the one-key (bigint) locks of the audit chain and the bulk pushes.
_LOCK_SPACE = 0x47540014
_LOCK = text("SELECT pg_advisory_xact_lock(:space, hashtext(:period))")
# Ids per statement when statuses are read or dropped by indicator (SQLite's parameter limit).
_CHUNK = 500
# A stored status's RAG by its value.
_RAGS = {rag.value: rag for rag in Rag}


class StatusStore:
    """The stored statuses of the database ``maker`` writes to."""

    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(
        self,
        session: AsyncSession,
        period: str,
        *,
        version: Version,
        day: date,
        ids: Collection[uuid.UUID] | None = None,
    ) -> Snapshot | None:
        """The period's stored statuses (of ``ids``, or all) when they stand under exactly
        ``version`` on ``day``; None when there are none or they may be stale."""
        header = (
            await session.execute(
                select(
                    StatusSnapshot.seq,
                    StatusSnapshot.token,
                    StatusSnapshot.due_date,
                    StatusSnapshot.due,
                ).where(StatusSnapshot.period == period)
            )
        ).one_or_none()
        if header is None or Version(header.token, header.seq) != version:
            return None
        snapshot = Snapshot(version, header.due_date, header.due)
        if not snapshot.holds_on(day):
            return None
        query = select(
            StoredStatus.indicator_id,
            StoredStatus.org_unit_id,
            StoredStatus.approved,
            StoredStatus.rag,
            StoredStatus.internal,
            StoredStatus.external,
        ).where(StoredStatus.period == period)
        if ids is None or len(ids) > _CHUNK:
            rows: Sequence[Any] = (await session.execute(query)).all()
        else:
            rows = (await session.execute(query.where(StoredStatus.indicator_id.in_(ids)))).all()
        # Unpacked rather than read by name, and each RAG looked up rather than made: a reader
        # after a change loads every stored status of the period.
        rags = _RAGS
        snapshot.add(
            CachedStatus.stored(
                indicator_id=indicator_id,
                org_unit_id=org_unit_id,
                approved=approved,
                rag=None if rag is None else rags[rag],
                internal=internal.encode(),
                external=None if external is None else external.encode(),
            )
            for indicator_id, org_unit_id, approved, rag, internal, external in rows
        )
        return snapshot

    @asynccontextmanager
    async def claim(
        self, period: str, *, reader: AsyncSession | None = None
    ) -> AsyncIterator[AsyncSession]:
        """The right to compute and store the period's statuses, and the session to store them
        with (``save``); committed on leaving, which ends the claim.

        On SQLite a request that writes holds the database's one write lock (BEGIN IMMEDIATE)
        until it commits, so a session of the store's own would wait for it, and it for the
        statuses, until the busy timeout (a publication made after a change was a 503). There
        the ``reader``'s own transaction stores them: they are committed with the request (or
        not stored, if it fails), and the process's lock still keeps requests from computing
        the same period side by side."""
        lock = self._locks.setdefault(period, asyncio.Lock())
        async with lock:
            if reader is not None and await holds_sqlite_write_lock(reader):
                yield reader
                return
            async with unit_of_work(self.maker) as writer:
                if writer.get_bind().dialect.name == "postgresql":
                    await writer.execute(_LOCK, {"space": _LOCK_SPACE, "period": period})
                yield writer

    async def save(
        self,
        writer: AsyncSession,
        period: str,
        *,
        version: Version,
        due_date: date,
        due: bool,
        statuses: Sequence[CachedStatus],
    ) -> None:
        """Store statuses computed from data at least as new as ``version``, dropping those
        the change log says have changed since the stored ones were computed. Nothing is stored
        over statuses stored under a later version."""
        header = (
            await writer.execute(
                select(
                    StatusSnapshot.seq,
                    StatusSnapshot.token,
                    StatusSnapshot.due_date,
                    StatusSnapshot.due,
                ).where(StatusSnapshot.period == period)
            )
        ).one_or_none()
        if header is not None and header.seq > version.seq:
            return
        drop: set[uuid.UUID] | None = {status.indicator_id for status in statuses}
        if header is not None and (header.due_date, header.due) == (due_date, due):
            stored = Version(header.token, header.seq)
            if stored != version:
                changed = await changed_since(writer, stored, until=version)
                drop = None if changed is None else drop | changed  # type: ignore[operator]
        else:
            drop = None
        if drop is None:
            await writer.execute(delete(_ROWS).where(_ROWS.c.period == period))
        else:
            ordered = sorted(drop)
            for start in range(0, len(ordered), _CHUNK):
                await writer.execute(
                    delete(_ROWS).where(
                        _ROWS.c.period == period,
                        _ROWS.c.indicator_id.in_(ordered[start : start + _CHUNK]),
                    )
                )
        if statuses:
            await writer.execute(insert(_ROWS), [_row(period, status) for status in statuses])
        await writer.execute(delete(_HEADERS).where(_HEADERS.c.period == period))
        await writer.execute(
            insert(_HEADERS).values(
                period=period,
                seq=version.seq,
                token=version.token,
                due_date=due_date,
                due=due,
                computed_at=utcnow(),
            )
        )


def _row(period: str, status: CachedStatus) -> dict[str, Any]:
    internal = status.json(internal=True)
    external = status.json(internal=False)
    return {
        "period": period,
        "indicator_id": status.indicator_id,
        "org_unit_id": status.org_unit_id,
        "approved": status.approved,
        "rag": None if status.rag is None else status.rag.value,
        "internal": internal.decode(),
        "external": None if external == internal else external.decode(),
    }
