from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """One change made through the API. Append-only; each event hashes its predecessor's hash.

    An event is written in its writer's transaction without a place in the chain (``seq``,
    ``prev_hash`` and ``hash`` null: pending) and sealed into the chain, in commit order, right
    after that transaction commits (app.audit.service.AuditSealer): no writer waits for another
    to commit. Sealing is the one update the table accepts, once per event.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
        Index("ix_audit_event_seq", "seq", unique=True),
        # The pending events, for the sealer (a handful at any moment, however long the chain).
        Index(
            "ix_audit_event_pending",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    # A sequence, not a UUID: events are listed in the order they were written.
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The event's place in the hash chain, given when it is sealed (null until then): the order
    # the chain is verified in, and what the signed checkpoint names.
    seq: Mapped[int | None] = mapped_column(BigId)
    occurred_at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(2000))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # How ``hash`` was computed (app.audit.hashing): events from before the chain was keyed
    # are 1, plain SHA-256; then 2, HMAC-SHA256 with the predecessor inside; the service now
    # writes 3, the keyed ``content_hash`` with the event and the link when it is sealed.
    hash_version: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    content_hash: Mapped[str | None] = mapped_column(String(64))
