"""Recording every change, and checking that the record has not been altered since."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.hashing import GENESIS_HASH, event_hash
from app.audit.models import AuditEvent
from app.audit.repository import AuditRepository
from app.audit.schemas import AuditEventRead, AuditVerification
from app.auth.principal import Principal
from app.core.clock import utcnow
from app.core.context import current_request_id

_CHAIN_HEAD_KEY = "audit_chain_head"


@dataclass(frozen=True)
class AuditEntry:
    """One change to record with AuditService.record_many."""

    action: str
    entity_type: str
    entity_id: str | uuid.UUID
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None


class AuditService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AuditRepository(session)

    async def record(
        self,
        *,
        actor: Principal | None,
        action: str,
        entity_type: str,
        entity_id: str | uuid.UUID,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> AuditEvent:
        """Append one event in the caller's transaction, linked to the chain's head."""
        # The head is cached on the session: one lock and one read per transaction, however
        # many events it writes (a batch push writes thousands).
        prev_hash = await self._chain_head()
        occurred_at = utcnow()
        fields: dict[str, Any] = {
            "occurred_at": occurred_at,
            "actor_kind": actor.kind.value if actor else "system",
            "actor_id": actor.id if actor else None,
            "actor_name": actor.name if actor else "system",
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "before": before,
            "after": after,
            "reason": reason,
            "request_id": current_request_id(),
        }
        digest = event_hash(prev_hash=prev_hash, **fields)
        event = await self.repository.add(
            event=AuditEvent(prev_hash=prev_hash, hash=digest, **fields)
        )
        self.session.info[_CHAIN_HEAD_KEY] = digest
        return event

    async def record_many(self, *, actor: Principal | None, events: list[AuditEntry]) -> None:
        """Append many events in one statement, chained exactly as one by one would be."""
        if not events:
            return
        prev_hash = await self._chain_head()
        ids = await self.repository.allocate_ids(count=len(events))
        occurred_at = utcnow()
        request_id = current_request_id()
        rows = []
        for event_id, entry in zip(ids, events, strict=True):
            fields: dict[str, Any] = {
                "occurred_at": occurred_at,
                "actor_kind": actor.kind.value if actor else "system",
                "actor_id": actor.id if actor else None,
                "actor_name": actor.name if actor else "system",
                "action": entry.action,
                "entity_type": entry.entity_type,
                "entity_id": str(entry.entity_id),
                "before": entry.before,
                "after": entry.after,
                "reason": entry.reason,
                "request_id": request_id,
            }
            digest = event_hash(prev_hash=prev_hash, **fields)
            rows.append({"id": event_id, "prev_hash": prev_hash, "hash": digest, **fields})
            prev_hash = digest
        await self.repository.add_many(rows=rows)
        self.session.info[_CHAIN_HEAD_KEY] = prev_hash

    async def _chain_head(self) -> str:
        head: str | None = self.session.info.get(_CHAIN_HEAD_KEY)
        if head is None:
            await self.repository.lock_chain()
            head = await self.repository.last_hash() or GENESIS_HASH
        return head

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
    ) -> tuple[list[AuditEventRead], int]:
        events, total = await self.repository.list(
            entity_type=entity_type,
            entity_id=entity_id,
            actor_id=actor_id,
            action=action,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
        )
        return [AuditEventRead.model_validate(event) for event in events], total

    async def verify(self) -> AuditVerification:
        """Recompute the chain from the first event; report the first that does not match."""
        expected_prev = GENESIS_HASH
        checked = 0
        async for row in self.repository.stream_in_order():
            checked += 1
            recomputed = event_hash(
                prev_hash=row.prev_hash,
                occurred_at=_as_utc(row.occurred_at),
                actor_kind=row.actor_kind,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                action=row.action,
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                before=row.before,
                after=row.after,
                reason=row.reason,
                request_id=row.request_id,
            )
            if row.prev_hash != expected_prev or recomputed != row.hash:
                return AuditVerification(ok=False, checked=checked, first_bad_id=row.id)
            expected_prev = row.hash
        return AuditVerification(ok=True, checked=checked, first_bad_id=None)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_audit(value: Any) -> dict[str, Any] | None:
    """A JSON-safe snapshot of a schema for the before/after of an event."""
    if value is None:
        return None
    dumped: dict[str, Any] = value.model_dump(mode="json")
    return dumped
