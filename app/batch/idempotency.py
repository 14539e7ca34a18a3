"""Idempotency-Key for bulk POSTs: a retry with the same key and body gets the first answer."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.batch.models import IdempotencyKey
from app.batch.repository import BatchRepository
from app.core.clock import utcnow
from app.core.errors import InvalidInput

KEEP_FOR = timedelta(hours=24)


class IdempotencyKeyReused(InvalidInput):
    title, slug = "Idempotency key reused", "idempotency-key-reused"


def request_fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = BatchRepository(session)

    async def claim(
        self, *, principal_id: uuid.UUID, key: str, endpoint: str, fingerprint: str
    ) -> tuple[int, dict[str, Any]] | None:
        """The first answer to replay, or None after claiming the key for this request.

        The claim is a row under the key's primary key, so a concurrent request with the same
        key waits for this one and then fails as a duplicate (409) instead of storing twice.
        422 when the key came with a different request.
        """
        now = utcnow()
        await self.repository.purge_keys_before(before=now - KEEP_FOR)
        row = await self.repository.idempotency_key(
            principal_id=principal_id, key=key, endpoint=endpoint
        )
        if row is not None:
            if row.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used with a different request; use a new key.",
                    errors=[
                        {
                            "loc": ["header", "Idempotency-Key"],
                            "msg": "reused with a different request",
                            "type": "idempotency",
                        }
                    ],
                )
            return row.status_code, row.response
        await self.repository.add_idempotency_key(
            row=IdempotencyKey(
                principal_id=principal_id,
                key=key,
                endpoint=endpoint,
                request_hash=fingerprint,
                status_code=0,
                response={},
                created_at=now,
            )
        )
        return None

    async def record(
        self,
        *,
        principal_id: uuid.UUID,
        key: str,
        endpoint: str,
        status_code: int,
        response: dict[str, Any],
    ) -> None:
        """Keep the answer to replay to retries for the next 24 hours."""
        row = await self.repository.idempotency_key(
            principal_id=principal_id, key=key, endpoint=endpoint
        )
        assert row is not None
        row.status_code = status_code
        row.response = response
        await self.repository.flush()
