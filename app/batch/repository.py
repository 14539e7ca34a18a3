"""Every statement of the bulk push: the value rows it touches, its bulk writes, and the
Idempotency-Key rows that replay its answers."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.batch.models import IdempotencyKey
from app.core.bulk import bulk_insert, one_of
from app.core.changes import CHANGED_INDICATORS
from app.indicators.models import IndicatorValue, Target, TargetRevision, ValueRevision

_VALUES: Table = IndicatorValue.__table__  # type: ignore[assignment]  # rows in bulk, no identity map
_REVISIONS: Table = ValueRevision.__table__  # type: ignore[assignment]
_TARGETS: Table = Target.__table__  # type: ignore[assignment]
_TARGET_REVISIONS: Table = TargetRevision.__table__  # type: ignore[assignment]
# Keeps these keys apart from the other advisory locks (the audit chain's is a small constant).
_LOCK_NAMESPACE = b"golden-thread:indicator_value"


def _pair_key(indicator_id: uuid.UUID, period_id: uuid.UUID) -> int:
    """A signed 64-bit advisory lock key for one value; a rare collision only makes two
    unrelated pushes queue."""
    digest = hashlib.blake2b(
        _LOCK_NAMESPACE + indicator_id.bytes + period_id.bytes, digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


class BatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def value_rows(
        self, *, pairs: Collection[tuple[uuid.UUID, uuid.UUID]]
    ) -> dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]]:
        """The current value rows of these (indicator, period) pairs, as plain dicts, locked
        against concurrent writers on PostgreSQL."""
        if not pairs:
            return {}
        if self.session.get_bind().dialect.name == "postgresql":
            await self._lock_pairs(pairs)
        query = select(_VALUES).where(
            one_of(self.session, _VALUES.c.indicator_id, {i for i, _ in pairs}),
            one_of(self.session, _VALUES.c.period_id, {p for _, p in pairs}),
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        rows = (await self.session.execute(query)).mappings()
        found = {(row["indicator_id"], row["period_id"]): dict(row) for row in rows}
        return {pair: row for pair, row in found.items() if pair in pairs}

    async def _lock_pairs(self, pairs: Collection[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """Serialise pushes that touch the same (indicator, period) values, rows or not.

        FOR UPDATE locks only rows that exist: two pushes creating the same new value would both
        see none and the second COPY would break the unique key. A transaction-scoped advisory
        lock per pair, taken in one fixed order (so two pushes cannot deadlock), makes the later
        push wait for the earlier to commit; its read then sees the row and updates it.
        """
        keys = sorted({_pair_key(indicator_id, period_id) for indicator_id, period_id in pairs})
        # A function scan yields the array in order, so the locks are taken in that order.
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
            {"keys": keys},
        )

    async def insert_values(self, *, rows: Sequence[dict[str, Any]]) -> None:
        """New value rows, in one statement."""
        await bulk_insert(self.session, _VALUES, list(rows))

    async def update_values(self, *, rows: Sequence[dict[str, Any]]) -> None:
        """Changed value rows, in one executemany; each row's keys are its columns prefixed
        b_ (b_id names the row)."""
        columns = [key.removeprefix("b_") for key in rows[0] if key != "b_id"]
        await self.session.execute(
            update(_VALUES)
            .where(_VALUES.c.id == bindparam("b_id"))
            .values({column: bindparam(f"b_{column}") for column in columns}),
            list(rows),
            # Which indicators changed, for the data change log (the rows name values).
            execution_options={CHANGED_INDICATORS: [row["b_indicator_id"] for row in rows]},
        )

    async def latest_revision_numbers(
        self, *, value_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """Each value's highest revision number, for the values that have revisions."""
        latest = await self.session.execute(
            select(ValueRevision.value_id, func.max(ValueRevision.number))
            .where(one_of(self.session, ValueRevision.value_id, list(value_ids)))
            .group_by(ValueRevision.value_id)
        )
        return {row[0]: row[1] for row in latest}

    async def insert_revisions(self, *, rows: Sequence[dict[str, Any]]) -> None:
        """New value revisions, in one statement."""
        await bulk_insert(self.session, _REVISIONS, list(rows))

    # Targets

    async def target_rows(
        self, *, pairs: Collection[tuple[uuid.UUID, uuid.UUID]]
    ) -> dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]]:
        """The targets in force for these (indicator, period) pairs, as plain dicts, locked
        against concurrent writers on PostgreSQL (two pushes creating the same target queue on
        the same advisory locks as values, then the later one updates it)."""
        if not pairs:
            return {}
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        if postgresql:
            await self._lock_pairs(pairs)
        query = select(_TARGETS).where(
            one_of(self.session, _TARGETS.c.indicator_id, {i for i, _ in pairs}),
            one_of(self.session, _TARGETS.c.period_id, {p for _, p in pairs}),
        )
        if postgresql:
            query = query.with_for_update()
        rows = (await self.session.execute(query)).mappings()
        found = {(row["indicator_id"], row["period_id"]): dict(row) for row in rows}
        return {pair: row for pair, row in found.items() if pair in pairs}

    async def insert_targets(self, *, rows: Sequence[dict[str, Any]]) -> None:
        """New targets, in one statement."""
        await bulk_insert(self.session, _TARGETS, list(rows))

    async def update_targets(self, *, rows: Sequence[dict[str, Any]]) -> None:
        """Changed targets, in one executemany; keys are columns prefixed b_ (b_id the row)."""
        columns = [key.removeprefix("b_") for key in rows[0] if key != "b_id"]
        await self.session.execute(
            update(_TARGETS)
            .where(_TARGETS.c.id == bindparam("b_id"))
            .values({column: bindparam(f"b_{column}") for column in columns}),
            list(rows),
            execution_options={CHANGED_INDICATORS: [row["b_indicator_id"] for row in rows]},
        )

    async def insert_target_revisions(self, *, rows: Sequence[dict[str, Any]]) -> None:
        """New target revisions, in one statement."""
        await bulk_insert(self.session, _TARGET_REVISIONS, list(rows))

    # Idempotency keys

    async def purge_keys_before(self, *, before: datetime) -> None:
        """Forget the answers kept since before this moment."""
        await self.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))

    async def idempotency_key(
        self, *, principal_id: uuid.UUID, key: str, endpoint: str
    ) -> IdempotencyKey | None:
        """The stored answer to a caller's key for an endpoint."""
        return await self.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.principal_id == principal_id,
                IdempotencyKey.key == key,
                IdempotencyKey.endpoint == endpoint,
            )
        )

    async def add_idempotency_key(self, *, row: IdempotencyKey) -> None:
        """Claim a key (its row is written at once, so a concurrent claim waits on it)."""
        self.session.add(row)
        await self.session.flush()

    async def flush(self) -> None:
        """Write pending changes."""
        await self.session.flush()
