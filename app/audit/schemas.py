from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from app.core.schemas import ResponseSchema


class AuditEventRead(ResponseSchema):
    id: int
    occurred_at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_name: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    request_id: str | None
    seq: int | None = Field(
        description="The event's place in the hash chain; null while it is pending its seal "
        "(committed, and sealed into the chain moments later)"
    )
    prev_hash: str | None = Field(description="null while the event is pending its seal")
    hash: str | None = Field(description="null while the event is pending its seal")
    hash_version: int = Field(
        description="1: plain SHA-256 (events written before the chain was keyed); "
        "2: HMAC-SHA256 under the audit key; 3: the content keyed when written "
        "(content_hash), linked to its predecessor when sealed"
    )
    content_hash: str | None


class VerificationFailure(StrEnum):
    """Why verify says the trail was altered."""

    HASH_MISMATCH = "hash_mismatch"  # an event's content or hash was changed
    BROKEN_LINK = "broken_link"  # an event was removed or moved: the next one no longer links
    UNKEYED_EVENT = "unkeyed_event"  # a plain SHA-256 event after keyed ones: rehashed
    EVENTS_MISSING = "events_missing"  # fewer events than the checkpoint: deleted, truncated
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"  # the checkpointed event was rewritten
    CHECKPOINT_INVALID = "checkpoint_invalid"  # the checkpoint file is not signed by the key


class AuditVerification(ResponseSchema):
    ok: bool
    checked: int
    first_bad_id: int | None = Field(
        description="The first event that does not verify (null when none can be named, such "
        "as events deleted from the end)"
    )
    reason: VerificationFailure | None = None
    checkpoint_seq: int | None = Field(
        default=None,
        description="The chain position (seq) of the head in the signed checkpoint compared "
        "against; null when there is no checkpoint yet (a fresh install) or it was written "
        "during this check",
    )
    pending: int = Field(
        default=0,
        description="Committed events not yet sealed into the chain (sealed moments after "
        "their commit); not checked here, and no failure",
    )
