"""The chain's hash is defined by canonical JSON; the fast encoder must write the same bytes."""

import hashlib
import hmac
import uuid
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit.hashing import (
    GENESIS_HASH,
    canonical_json,
    content_hash,
    content_hasher,
    event_hash,
    snapshot_json,
)

KEY = b"k" * 32
TEXT = st.text()  # quotes, backslashes, control characters, non-ASCII letters, emoji
SNAPSHOT = st.none() | st.dictionaries(
    TEXT,
    st.recursive(
        st.none() | st.booleans() | st.integers() | TEXT,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
        max_leaves=8,
    ),
    max_size=6,
)


def reference_hash(content: dict[str, object]) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(
    actor_id=st.none() | st.uuids(),
    actor_name=TEXT,
    action=TEXT,
    entity_id=TEXT,
    before=SNAPSHOT,
    after=SNAPSHOT,
    reason=st.none() | TEXT,
    request_id=st.none() | TEXT,
    occurred_at=st.datetimes(timezones=st.just(UTC)),
)
def test_the_fast_hash_equals_the_hash_of_the_canonical_json(
    actor_id: uuid.UUID | None,
    actor_name: str,
    action: str,
    entity_id: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
    reason: str | None,
    request_id: str | None,
    occurred_at: datetime,
) -> None:
    fields = {
        "occurred_at": occurred_at,
        "actor_kind": "user",
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "entity_type": "indicator_value",
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "reason": reason,
        "request_id": request_id,
    }
    content = {
        **fields,
        "prev_hash": GENESIS_HASH,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor_id": str(actor_id) if actor_id else None,
    }
    assert event_hash(key=None, prev_hash=GENESIS_HASH, **fields) == reference_hash(content)
    keyed = hmac.new(KEY, canonical_json(content).encode(), hashlib.sha256).hexdigest()
    assert event_hash(key=KEY, prev_hash=GENESIS_HASH, **fields) == keyed
    # Version 3 keys the same content without the predecessor.
    unlinked = {name: value for name, value in content.items() if name != "prev_hash"}
    keyed_content = hmac.new(KEY, canonical_json(unlinked).encode(), hashlib.sha256).hexdigest()
    assert content_hash(key=KEY, **fields) == keyed_content
    # A bulk push's hasher, its shared parts and each snapshot encoded once, writes the same.
    hash_of = content_hasher(
        key=KEY,
        occurred_at=occurred_at,
        actor_kind="user",
        actor_id=actor_id,
        actor_name=actor_name,
        request_id=request_id,
    )
    encoded = {"before": snapshot_json(before), "after": snapshot_json(after)}
    one = {"action": action, "entity_type": "indicator_value", "entity_id": entity_id}
    assert hash_of(**one, **encoded, reason=reason) == keyed_content
    assert hash_of(**one, before=before, after=after, reason=reason) == keyed_content
    assert content_hash(key=KEY, **{**fields, **encoded}) == keyed_content


def test_a_known_event_keeps_its_hash() -> None:
    """Chains written before this encoder existed still verify: a fixed event, a fixed hash."""
    digest = event_hash(
        key=None,
        prev_hash=GENESIS_HASH,
        occurred_at=datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
        actor_kind="user",
        actor_id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        actor_name="Priya Shah",
        action="approve_value",
        entity_type="indicator_value",
        entity_id="CT01/2026-27-Q1",
        before={"status": "submitted", "value": "96.4"},
        after={"status": "approved", "value": "96.4"},
        reason=None,
        request_id="r-1",
    )
    assert digest == "fe1b08c9be7b32f0c56de2898067ad38519fe9ede70cf25c68e2695950c02b8e"
