from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.core.bulk import bulk_insert

# Any constant will do: it names the lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 7_420_001


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_chain(self) -> None:
        """Serialise appends so each event links to the one committed just before it."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY}
            )
        # SQLite transactions begin IMMEDIATE, so the writer lock is already held.

    async def head(self) -> tuple[int, str] | None:
        """The last event's id and hash (None: no event yet)."""
        row = (
            await self.session.execute(
                select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
            )
        ).one_or_none()
        return (row.id, row.hash) if row else None

    async def hash_of(self, *, event_id: int) -> str | None:
        return await self.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == event_id))

    async def allocate_ids(self, *, count: int) -> list[int]:
        """Ids for events about to be appended in bulk, in chain order (call under the lock)."""
        if count == 0:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            # One block of the sequence: every append holds the chain lock, so no other
            # writer can draw from the sequence between nextval and setval.
            last = await self.session.scalar(
                text(
                    "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), "
                    "nextval(pg_get_serial_sequence('audit_event', 'id')) + :count - 1)"
                ),
                {"count": count},
            )
            assert last is not None
            return list(range(last - count + 1, last + 1))
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
        """Every event from the first, in chain order, as plain rows (kept out of the session)."""
        table = AuditEvent.__table__
        last_id = 0
        while True:
            rows = (
                await self.session.execute(
                    select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch_size)
                )
            ).all()
            if not rows:
                return
            for row in rows:
                yield row
            last_id = rows[-1].id
