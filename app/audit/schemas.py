from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

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
    prev_hash: str
    hash: str


class AuditVerification(ResponseSchema):
    ok: bool
    checked: int
    first_bad_id: int | None
