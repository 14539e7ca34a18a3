"""The audit hash chain: a pure function of an event's content and its predecessor's hash.

Two versions of the same canonical content: events written before migration 0015 carry a plain
SHA-256 (``PLAIN_SHA256``), which anyone who can write the table can recompute; every event
since carries an HMAC-SHA256 under a key kept outside the database (``KEYED_HMAC_SHA256``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

GENESIS_HASH = "0" * 64

# An event's hash_version.
PLAIN_SHA256 = 1
KEYED_HMAC_SHA256 = 2

# The nested snapshots are encoded as json.dumps(..., sort_keys=True, separators=(",", ":"),
# ensure_ascii=False) would; one encoder serves every event.
_nested = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _object(value: dict[str, Any] | None) -> str:
    return "null" if value is None else _nested(value)


def event_hash(
    *,
    key: bytes | None,
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
    """HMAC-SHA256 under ``key`` (or, without a key, the plain SHA-256 of events written before
    the chain was keyed) of the event's canonical JSON: sorted keys, no spaces, UTF-8, so the
    same content always hashes the same whatever the database returns the JSON columns as.

    The outer object is written out here, keys in sorted order, rather than by json.dumps: a bulk
    push hashes 10,000 events and this is about twice as fast. ``canonical_json`` below is the
    definition; a property test holds the two to the same bytes.
    """
    canonical = "".join(
        (
            '{"action":',
            _text(action),
            ',"actor_id":',
            _text(str(actor_id) if actor_id else None),
            ',"actor_kind":',
            _text(actor_kind),
            ',"actor_name":',
            _text(actor_name),
            ',"after":',
            _object(after),
            ',"before":',
            _object(before),
            ',"entity_id":',
            _text(entity_id),
            ',"entity_type":',
            _text(entity_type),
            ',"occurred_at":',
            _text(occurred_at.isoformat(timespec="microseconds")),
            ',"prev_hash":',
            _text(prev_hash),
            ',"reason":',
            _text(reason),
            ',"request_id":',
            _text(request_id),
            "}",
        )
    )
    if key is None:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.digest(key, canonical.encode(), "sha256").hex()


def canonical_json(content: dict[str, Any]) -> str:
    """The canonical form the chain is defined by (and what ``event_hash`` writes faster)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
