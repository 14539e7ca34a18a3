"""Recording every change, and checking that the record has not been altered since."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal
from app.audit.checkpoint import Checkpoint, CheckpointInvalid
from app.audit.hashing import (
    GENESIS_HASH,
    KEYED_HMAC_SHA256,
    KEYED_VERSIONS,
    LINKED_HMAC_SHA256,
    PLAIN_SHA256,
    content_hash,
    content_hasher,
    event_hash,
    link_hash,
    snapshot_json,
)
from app.audit.models import AuditEvent
from app.audit.repository import AuditRepository
from app.audit.schemas import AuditEventRead, AuditVerification, VerificationFailure
from app.audit.seal import PENDING, SEEN_AT_BEGIN, seal_of
from app.audit.sealer import AuditSealer
from app.core.clock import utcnow
from app.core.context import current_request_id

# Events about a person's appraisal carry what only the person, their line managers and admins
# may read (app.appraisals): the trail lists them to admins alone, and to other auditors not at
# all, not even as a count.
PERSONAL_OBJECTIVE = "personal_objective"
PERSONAL_REVIEW = "appraisal_review"
PRIVATE_ENTITY_TYPES = frozenset({PERSONAL_OBJECTIVE, PERSONAL_REVIEW})


@dataclass(frozen=True)
class AuditEntry:
    """One change to record with AuditService.record_many."""

    action: str
    entity_type: str
    entity_id: str | uuid.UUID
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None


# From this many events at once, a writer seals its own (AuditSealer.seal_within).
SEAL_WITHIN_AT = 100


class AuditService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AuditRepository(session)
        self.seal = seal_of(session)

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
        """Write one event in the caller's transaction, pending: it is sealed into the chain
        once that transaction has committed (app.audit.sealer), so no lock is taken here."""
        fields: dict[str, Any] = {
            "occurred_at": utcnow(),
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
        event = await self.repository.add(
            event=AuditEvent(
                content_hash=content_hash(key=self.seal.key, **fields),
                hash_version=LINKED_HMAC_SHA256,
                **fields,
            )
        )
        self.session.info[PENDING] = True
        return event

    async def record_many(self, *, actor: Principal | None, events: list[AuditEntry]) -> None:
        """Write many pending events in one statement, sealed in this order after the commit
        (or, for a bulk push, as they are inserted)."""
        if not events:
            return
        ids = await self.repository.allocate_ids(count=len(events))
        occurred_at = utcnow()
        request_id = current_request_id()
        actor_kind = actor.kind.value if actor else "system"
        actor_id = actor.id if actor else None
        actor_name = actor.name if actor else "system"
        # What the events share is encoded once for all their hashes, and each snapshot once
        # for both its event's hash and its COPY (measured: a fifth of a 10,000-value push).
        hash_of = content_hasher(
            key=self.seal.key,
            occurred_at=occurred_at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_name=actor_name,
            request_id=request_id,
        )
        rows = []
        for event_id, entry in zip(ids, events, strict=True):
            entity_id = str(entry.entity_id)
            before = snapshot_json(entry.before)
            after = snapshot_json(entry.after)
            rows.append(
                {
                    "id": event_id,
                    "seq": None,
                    "prev_hash": None,
                    "hash": None,
                    "hash_version": LINKED_HMAC_SHA256,
                    "content_hash": hash_of(
                        action=entry.action,
                        entity_type=entry.entity_type,
                        entity_id=entity_id,
                        before=before,
                        after=after,
                        reason=entry.reason,
                    ),
                    "occurred_at": occurred_at,
                    "actor_kind": actor_kind,
                    "actor_id": actor_id,
                    "actor_name": actor_name,
                    "action": entry.action,
                    "entity_type": entry.entity_type,
                    "entity_id": entity_id,
                    "before": before,
                    "after": after,
                    "reason": entry.reason,
                    "request_id": request_id,
                }
            )
        if len(rows) >= SEAL_WITHIN_AT:
            # A bulk push: sealed as it is inserted when no other sealer is at work, rather
            # than updated after the commit.
            await AuditSealer(self.session, self.seal).seal_within(rows)
        await self.repository.add_many(rows=rows)
        self.session.info[PENDING] = True

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
        include_private: bool = False,
    ) -> tuple[list[AuditEventRead], int]:
        events, total = await self.repository.list(
            hidden_types=frozenset() if include_private else PRIVATE_ENTITY_TYPES,
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
        """Recompute the chain from the first event, then hold its head to the signed
        checkpoint; report the first event that does not match, or what is missing, and how
        many committed events are still pending their seal (not yet in the chain)."""
        # The checkpoint is read before the events: every event it names was committed
        # before it was written, so the reads below see it unless it was deleted.
        invalid = replaced = False
        checkpoint: Checkpoint | None = None
        if self.seal.checkpoint is not None:
            try:
                checkpoint, stamp = self.seal.checkpoint.read_stamped()
            except CheckpointInvalid:
                invalid = True
            else:
                # Replaced since this transaction began: it may name events committed after
                # this snapshot was taken (SQLite reads one snapshot per transaction).
                replaced = stamp != self.session.info.get(SEEN_AT_BEGIN, stamp)
        expected_prev = GENESIS_HASH
        keyed = False
        checked = 0
        at_checkpoint: str | None = None
        checkpoint_event: int | None = None
        async for row in self.repository.stream_in_order():
            checked += 1
            failure = self._check(row, expected_prev=expected_prev, keyed=keyed)
            if failure is not None:
                return AuditVerification(
                    ok=False,
                    checked=checked,
                    first_bad_id=row.id,
                    reason=failure,
                    checkpoint_seq=checkpoint.seq if checkpoint else None,
                    pending=await self.repository.count_pending(),
                )
            keyed = row.hash_version in KEYED_VERSIONS
            expected_prev = row.hash
            if checkpoint is not None and row.seq == checkpoint.seq:
                at_checkpoint, checkpoint_event = row.hash, row.id
        # Counted after the chain: an event sealed meanwhile was in neither, never in both.
        pending = await self.repository.count_pending()
        if invalid:
            # Altered, or signed with another key: either way the head cannot be vouched for.
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad_id=None,
                reason=VerificationFailure.CHECKPOINT_INVALID,
                pending=pending,
            )
        result = self._against_checkpoint(
            checkpoint,
            checked=checked,
            head_hash=at_checkpoint,
            head_id=checkpoint_event,
            replaced=replaced,
        )
        return result.model_copy(update={"pending": pending})

    def _check(self, row: Any, *, expected_prev: str, keyed: bool) -> VerificationFailure | None:
        if row.prev_hash != expected_prev:
            return VerificationFailure.BROKEN_LINK
        fields = {
            "occurred_at": _as_utc(row.occurred_at),
            "actor_kind": row.actor_kind,
            "actor_id": row.actor_id,
            "actor_name": row.actor_name,
            "action": row.action,
            "entity_type": row.entity_type,
            "entity_id": row.entity_id,
            "before": row.before,
            "after": row.after,
            "reason": row.reason,
            "request_id": row.request_id,
        }
        if row.hash_version == LINKED_HMAC_SHA256:
            # The content as the writer keyed it, linked as the sealer linked it: a changed
            # field, a forged content hash or a moved link all give another hash.
            content = content_hash(key=self.seal.key, **fields)
            linked = link_hash(key=self.seal.key, prev_hash=row.prev_hash, content=content)
            return None if linked == row.hash else VerificationFailure.HASH_MISMATCH
        if row.hash_version == KEYED_HMAC_SHA256:
            key: bytes | None = self.seal.key
        elif row.hash_version == PLAIN_SHA256:
            # Plain events are those from before the chain was keyed: none may follow a keyed
            # one, or whoever rewrote the chain could simply have dropped the key.
            if keyed:
                return VerificationFailure.UNKEYED_EVENT
            key = None
        else:
            return VerificationFailure.HASH_MISMATCH
        recomputed = event_hash(key=key, prev_hash=row.prev_hash, **fields)
        return None if recomputed == row.hash else VerificationFailure.HASH_MISMATCH

    def _against_checkpoint(
        self,
        checkpoint: Checkpoint | None,
        *,
        checked: int,
        head_hash: str | None,
        head_id: int | None,
        replaced: bool,
    ) -> AuditVerification:
        if checkpoint is None:
            # A fresh install: nothing to hold the head to yet.
            return AuditVerification(ok=True, checked=checked, first_bad_id=None)
        if head_hash is None:
            if replaced:
                # Written during this check, for events this snapshot may not see. Had events
                # been deleted, no writer would have moved the checkpoint past them
                # (_holds_checkpoint): the next check holds the chain to this one.
                return AuditVerification(ok=True, checked=checked, first_bad_id=None)
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad_id=None,
                reason=VerificationFailure.EVENTS_MISSING,
                checkpoint_seq=checkpoint.seq,
            )
        if head_hash != checkpoint.hash:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad_id=head_id,
                reason=VerificationFailure.CHECKPOINT_MISMATCH,
                checkpoint_seq=checkpoint.seq,
            )
        return AuditVerification(
            ok=True, checked=checked, first_bad_id=None, checkpoint_seq=checkpoint.seq
        )


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_audit(value: Any) -> dict[str, Any] | None:
    """A JSON-safe snapshot of a schema for the before/after of an event."""
    if value is None:
        return None
    dumped: dict[str, Any] = value.model_dump(mode="json")
    return dumped
