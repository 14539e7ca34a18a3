"""The audit hash chain: a pure function of an event's content and its predecessor's hash."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor_kind: str,
    actor_id: uuid.UUID | None,
    actor_name: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    request_id: str | None,
) -> str:
    # Canonical JSON (sorted keys, no spaces) so the same content always hashes the same,
    # whatever the database returns the JSON columns as.
    content = {
        "prev_hash": prev_hash,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor_kind": actor_kind,
        "actor_id": str(actor_id) if actor_id else None,
        "actor_name": actor_name,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "reason": reason,
        "request_id": request_id,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
