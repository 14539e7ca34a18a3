"""The audit hash chain: a pure function of an event's content and its predecessor's hash.

Three versions of the same canonical content: events written before migration 0015 carry a plain
SHA-256 (``PLAIN_SHA256``), which anyone who can write the table can recompute; events from then
to migration 0025 an HMAC-SHA256 under a key kept outside the database (``KEYED_HMAC_SHA256``)
of the content with the predecessor's hash inside it. Since 0025 an event is written before it
has a place in the chain (``LINKED_HMAC_SHA256``): the writer keys its content alone
(``content_hash``), and the sealer, after the commit, links it to its predecessor
(``link_hash``, a keyed hash of the predecessor's hash and the content hash). The content is
still keyed, so an event inserted or edited behind the API's back cannot carry a content hash
that verifies, whoever seals it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from app.core.bulk import JSONText

# CPython's C encoder, called without JSONEncoder.encode's Python layers around it.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)

GENESIS_HASH = "0" * 64

# An event's hash_version.
PLAIN_SHA256 = 1
KEYED_HMAC_SHA256 = 2
LINKED_HMAC_SHA256 = 3
KEYED_VERSIONS = frozenset({KEYED_HMAC_SHA256, LINKED_HMAC_SHA256})

# The nested snapshots are encoded as json.dumps(..., sort_keys=True, separators=(",", ":"),
# ensure_ascii=False) would; one encoder serves every event.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _make_nested() -> Callable[[Any], str]:
    if _c_make_encoder is None:  # pragma: no cover - other interpreters
        return _ENCODER.encode
    # JSONEncoder.encode's own call (one shot, no indent), less its circular check: snapshots
    # are made of rows and schemas, never of themselves. Twice as fast for a small snapshot.
    encode = _c_make_encoder(
        None, _ENCODER.default, encode_basestring, None, ":", ",", True, False, True
    )
    return lambda value: "".join(encode(value, 0))


_nested = _make_nested()


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _object(value: dict[str, Any] | JSONText | None) -> str:
    if value is None:
        return "null"
    return value if type(value) is JSONText else _nested(value)


def snapshot_json(value: dict[str, Any] | None) -> JSONText | None:
    """A before or after snapshot in the canonical form the hash encodes it in, encoded once:
    the hash takes it as it is (``_object``), and so does a bulk COPY into its JSON column."""
    return None if value is None else JSONText(_nested(value))


def _canonical(
    *,
    prev_hash: str | None,
    occurred_at: datetime,
    actor_kind: str,
    actor_id: uuid.UUID | None,
    actor_name: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | JSONText | None,
    after: dict[str, Any] | JSONText | None,
    reason: str | None,
    request_id: str | None,
) -> bytes:
    """The event's canonical JSON (``canonical_json``'s bytes, written out faster), with the
    predecessor's hash among its keys or, for ``content_hash``, without it."""
    link = () if prev_hash is None else (',"prev_hash":', _text(prev_hash))
    return "".join(
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
            *link,
            ',"reason":',
            _text(reason),
            ',"request_id":',
            _text(request_id),
            "}",
        )
    ).encode()


def event_hash(*, key: bytes | None, prev_hash: str, **content: Any) -> str:
    """Versions 1 and 2: HMAC-SHA256 under ``key`` (or, without a key, the plain SHA-256 of
    events written before the chain was keyed) of the event's canonical JSON, the predecessor's
    hash among its keys: sorted keys, no spaces, UTF-8, so the same content always hashes the
    same whatever the database returns the JSON columns as.

    The outer object is written out here, keys in sorted order, rather than by json.dumps: a bulk
    push hashes 10,000 events and this is about twice as fast. ``canonical_json`` below is the
    definition; a property test holds the two to the same bytes.
    """
    canonical = _canonical(prev_hash=prev_hash, **content)
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.digest(key, canonical, "sha256").hex()


def content_hash(*, key: bytes, **content: Any) -> str:
    """Version 3, written with the event: HMAC-SHA256 of its canonical JSON without a
    predecessor (the keys of ``event_hash`` less ``prev_hash``)."""
    return hmac.digest(key, _canonical(prev_hash=None, **content), "sha256").hex()


def content_hasher(
    *,
    key: bytes,
    occurred_at: datetime,
    actor_kind: str,
    actor_id: uuid.UUID | None,
    actor_name: str,
    request_id: str | None,
) -> Callable[..., str]:
    """``content_hash`` for many events of one moment, actor and request (a bulk push's): the
    parts they share are encoded once. The same bytes as ``_canonical`` (a test holds them to
    it), its keys in the same sorted order."""
    actor = "".join(
        (
            ',"actor_id":',
            _text(str(actor_id) if actor_id else None),
            ',"actor_kind":',
            _text(actor_kind),
            ',"actor_name":',
            _text(actor_name),
            ',"after":',
        )
    )
    moment = ',"occurred_at":' + _text(occurred_at.isoformat(timespec="microseconds"))
    request = ',"request_id":' + _text(request_id) + "}"
    digest = hmac.digest

    def hash_one(
        *,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | JSONText | None,
        after: dict[str, Any] | JSONText | None,
        reason: str | None,
    ) -> str:
        canonical = "".join(
            (
                '{"action":',
                _text(action),
                actor,
                _object(after),
                ',"before":',
                _object(before),
                ',"entity_id":',
                _text(entity_id),
                ',"entity_type":',
                _text(entity_type),
                moment,
                ',"reason":',
                _text(reason),
                request,
            )
        )
        return digest(key, canonical.encode(), "sha256").hex()

    return hash_one


def link_hash(*, key: bytes, prev_hash: str, content: str) -> str:
    """Version 3, written by the sealer: the event's place in the chain, HMAC-SHA256 of the
    predecessor's hash and the event's content hash (two hex digests, so no content's
    canonical JSON, which starts with a brace, can be mistaken for a link)."""
    return hmac.digest(key, f"{prev_hash}{content}".encode(), "sha256").hex()


def canonical_json(content: dict[str, Any]) -> str:
    """The canonical form the chain is defined by (and what ``event_hash`` writes faster)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
