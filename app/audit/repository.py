from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, literal, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.core.bulk import bulk_insert

# Any constant will do: it names the lock a sealer holds on PostgreSQL while it seals.
_SEALER_LOCK_KEY = 7_420_001
# The most events one sealing transaction takes (a bulk push writes 10,000 at most).
SEAL_BATCH = 20_000


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def try_lock_sealer(self) -> bool:
        """Become the one sealer until this transaction ends; False when another sealer is at
        work (it looks again for pending events once it has committed). Never waits."""
        if self._postgres:
            return bool(
                await self.session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _SEALER_LOCK_KEY}
                )
            )
        # SQLite transactions begin IMMEDIATE: this one already holds the only writer lock.
        return True

    async def sealed_head(self) -> tuple[int, str] | None:
        """The last sealed event's place and hash (None: nothing sealed yet)."""
        row = (
            await self.session.execute(
                select(AuditEvent.seq, AuditEvent.hash)
                .where(AuditEvent.seq.is_not(None))
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            )
        ).one_or_none()
        return (row.seq, row.hash) if row else None

    async def hash_at(self, *, seq: int) -> str | None:
        return await self.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))

    async def pending(self, *, limit: int = SEAL_BATCH) -> list[tuple[int, str | None]]:
        """Committed events not sealed yet, (id, content_hash), oldest first."""
        rows = await self.session.execute(
            select(AuditEvent.id, AuditEvent.content_hash)
            .where(AuditEvent.seq.is_(None))
            .order_by(AuditEvent.id)
            .limit(limit)
        )
        return [(row.id, row.content_hash) for row in rows]

    async def pending_and_head(
        self, *, limit: int = SEAL_BATCH
    ) -> tuple[list[tuple[int, str | None]], tuple[int, str] | None]:
        """``pending()`` and ``sealed_head()`` in one statement: one round trip for a sealer,
        which reads both once it holds the lock (in a statement after the one that took it, so
        its snapshot sees every seal committed before)."""
        pending = (
            select(AuditEvent.id, AuditEvent.content_hash)
            .where(AuditEvent.seq.is_(None))
            .order_by(AuditEvent.id)
            .limit(limit)
            .subquery()
        )
        head = (
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc())
            .limit(1)
            .subquery()
        )
        one = select(literal(1).label("one")).subquery()  # a row whether or not either has one
        rows = (
            await self.session.execute(
                select(pending.c.id, pending.c.content_hash, head.c.seq, head.c.hash)
                .select_from(one.outerjoin(pending, true()).outerjoin(head, true()))
                .order_by(pending.c.id)
            )
        ).all()
        first = rows[0]
        return (
            [(row.id, row.content_hash) for row in rows if row.id is not None],
            (first.seq, first.hash) if first.seq is not None else None,
        )

    async def any_pending(self) -> bool:
        return (
            await self.session.scalar(
                select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1)
            )
        ) is not None

    async def count_pending(self, *, hidden_types: Collection[str] = ()) -> int:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
        if hidden_types:
            query = query.where(AuditEvent.entity_type.not_in(hidden_types))
        return await self.session.scalar(query) or 0

    async def seal(self, *, links: list[tuple[int, int, str, str]]) -> int:
        """Give pending events their place: (id, seq, prev_hash, hash) each; how many were."""
        if not links:
            return 0
        if self._postgres:
            ids, seqs, prevs, hashes = (list(column) for column in zip(*links, strict=True))
            result = await self.session.execute(
                text(
                    "UPDATE audit_event AS e SET seq = v.seq, prev_hash = v.prev_hash, "
                    "hash = v.hash FROM unnest(CAST(:ids AS BIGINT[]), CAST(:seqs AS BIGINT[]), "
                    "CAST(:prevs AS VARCHAR[]), CAST(:hashes AS VARCHAR[])) "
                    "AS v(id, seq, prev_hash, hash) WHERE e.id = v.id AND e.seq IS NULL"
                ),
                {"ids": ids, "seqs": seqs, "prevs": prevs, "hashes": hashes},
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
        table = cast(Table, AuditEvent.__table__)
        result = await self.session.execute(
            update(table)
            .where(table.c.id == bindparam("event_id"), table.c.seq.is_(None))
            .values(seq=bindparam("s"), prev_hash=bindparam("p"), hash=bindparam("h")),
            [{"event_id": i, "s": s, "p": p, "h": h} for i, s, p, h in links],
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def allocate_ids(self, *, count: int) -> list[int]:
        """Ids for events about to be inserted in bulk (COPY passes no column default)."""
        if count == 0:
            return []
        if self._postgres:
            # Drawn one by one in a single statement: no lock, and unique whoever draws at
            # the same time (they need not be consecutive; the chain's order is ``seq``).
            # The sequence named once (pg_get_serial_sequence in the select list was called
            # for every id: 120 ms of a 10,000-event push, against 15 ms), and one array back
            # rather than 10,000 rows through the result machinery.
            ids = await self.session.scalar(
                text(
                    "WITH s AS MATERIALIZED (SELECT CAST(pg_get_serial_sequence('audit_event', "
                    "'id') AS regclass) AS id) SELECT array_agg(nextval(s.id)) "
                    "FROM s, generate_series(1, :count)"
                ),
                {"count": count},
            )
            return list(ids)
        # SQLite hands out max(id) + 1, and this transaction holds the only writer lock.
        highest = await self.session.scalar(select(func.max(AuditEvent.id))) or 0
        return list(range(highest + 1, highest + 1 + count))

    async def add_many(self, *, rows: list[dict[str, Any]]) -> None:
        if rows:
            await bulk_insert(self.session, AuditEvent.__table__, rows)  # type: ignore[arg-type]

    async def add(self, *, event: AuditEvent) -> AuditEvent:
        self.session.add(event)
        await self.session.flush()
        return event

    async def list(
        self,
        *,
        entity_type: str | None,
        entity_id: str | None,
        actor_id: uuid.UUID | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        offset: int,
        limit: int,
        hidden_types: Collection[str] = (),
    ) -> tuple[Sequence[AuditEvent], int]:
        query = select(AuditEvent)
        if hidden_types:
            query = query.where(AuditEvent.entity_type.not_in(hidden_types))
        if entity_type is not None:
            query = query.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == entity_id)
        if actor_id is not None:
            query = query.where(AuditEvent.actor_id == actor_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        if since is not None:
            query = query.where(AuditEvent.occurred_at >= since)
        if until is not None:
            query = query.where(AuditEvent.occurred_at < until)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(AuditEvent.id.desc()).offset(offset).limit(limit)
        )
        return rows.all(), total or 0

    async def stream_in_order(self, *, batch_size: int = 1000) -> AsyncIterator[Row[Any]]:
        """Every sealed event from the first, in chain order, as plain rows (kept out of the
        session)."""
        table = AuditEvent.__table__
        last_seq = 0
        while True:
            rows = (
                await self.session.execute(
                    select(table)
                    .where(table.c.seq > last_seq)
                    .order_by(table.c.seq)
                    .limit(batch_size)
                )
            ).all()
            if not rows:
                return
            for row in rows:
                yield row
            last_seq = rows[-1].seq
