"""Sealing: giving committed events their place in the hash chain, in commit order, after the
transactions that wrote them have committed.

A writer inserts its events pending (no ``seq``, ``prev_hash`` or ``hash``), with their keyed
content hash, and takes no lock: writers never queue behind one another for the chain. Right
after its commit, the committing session seals (``SealingSession.commit``): in a short
transaction of its own, under a lock it only tries for (``pg_try_advisory_xact_lock``; on SQLite
the IMMEDIATE transaction's writer lock), it reads the chain's head and every committed pending
event, links them on in id order, commits, and signs the new head into the checkpoint. When
another sealer holds the lock, it leaves: that sealer looks again for pending events once it
has committed, and finds these (they were committed before the lock was tried, so before it was
released). A crash between a commit and its seal leaves events pending; the next seal anywhere
(the next write, the worker's round, a start-up) seals them.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.checkpoint import CheckpointFile, CheckpointInvalid
from app.audit.hashing import GENESIS_HASH, link_hash
from app.audit.repository import AuditRepository
from app.audit.seal import PENDING, SEALED, AuditSeal, seal_of
from app.core.db import may_run_outside_a_transaction

logger = logging.getLogger("app.audit")

# Enough for any burst of commits; what is left is sealed by the next write or the worker.
_ROUNDS = 8


class AuditSealer:
    def __init__(self, session: AsyncSession, seal: AuditSeal | None = None) -> None:
        self.session = session
        self.repository = AuditRepository(session)
        self.seal = seal or seal_of(session)

    async def seal_pending(self) -> int:
        """Seal every committed pending event (unless another sealer is at it); how many."""
        sealed = 0
        for _ in range(_ROUNDS):
            count = await self._seal_once()
            if not count:
                break
            sealed += count
            # Another round for the events committed while this one held the lock (their
            # writers found it taken and left them here), when there are any: asked first
            # outside a transaction, one round trip where a round that finds none is four.
            if not await self._any_pending_now():
                break
        return sealed

    async def _any_pending_now(self) -> bool:
        """Whether committed events wait to be sealed, read as of now, after the lock was let
        go: a writer that found it taken had committed before, so its events show here."""
        if not may_run_outside_a_transaction(self.session):
            return True  # the next round looks
        await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        try:
            return await self.repository.any_pending()
        finally:
            await self.session.commit()

    async def seal_within(self, rows: list[dict[str, Any]]) -> bool:
        """Seal, in the writer's own transaction, the events it is about to insert (``rows``,
        given their place, link and hash here) after every committed pending event, when the
        sealer's lock is free; False, changing nothing, when another sealer holds it.

        For bulk pushes: their thousands of events are then inserted sealed, not updated after
        the commit. The lock, only ever tried for, is held to this transaction's commit: other
        writers do not wait for it (their seals find it taken and leave their events to the
        round this session runs after its commit)."""
        if not await self.repository.try_lock_sealer():
            return False
        pending, head = await self.repository.pending_and_head()
        holds = await self._holds_checkpoint(head)
        seq, prev = head or (0, GENESIS_HASH)
        key = self.seal.key
        links = []
        for event_id, content in pending:
            seq += 1
            digest = link_hash(key=key, prev_hash=prev, content=content or "")
            links.append((event_id, seq, prev, digest))
            prev = digest
        for row in rows:
            seq += 1
            digest = link_hash(key=key, prev_hash=prev, content=row["content_hash"])
            row["seq"], row["prev_hash"], row["hash"] = seq, prev, digest
            prev = digest
        await self.repository.seal(links=links)
        self.session.info[SEALED] = (seq, prev, holds)
        return True

    async def _seal_once(self) -> int | None:
        """One sealing transaction: how many were sealed, None when another sealer is busy."""
        session = self.session
        try:
            # Nothing to undo when there is nothing to seal: committed, not rolled back, so the
            # session's objects (the events the caller just wrote) are not expired.
            if not await self.repository.try_lock_sealer():
                await session.commit()
                return None
            pending, head = await self.repository.pending_and_head()
            if not pending:
                await session.commit()
                return 0
            holds = await self._holds_checkpoint(head)
            seq, prev = head or (0, GENESIS_HASH)
            key = self.seal.key
            links = []
            for event_id, content in pending:
                seq += 1
                # A pending event without a content hash was not written by the service: it is
                # sealed all the same (verify names it), so the chain does not stop behind it.
                digest = link_hash(key=key, prev_hash=prev, content=content or "")
                links.append((event_id, seq, prev, digest))
                prev = digest
            await self.repository.seal(links=links)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        await self._checkpoint(seq=seq, digest=prev, holds=holds)
        return len(links)

    async def _checkpoint(self, *, seq: int, digest: str, holds: bool) -> None:
        if self.seal.checkpoint is None:
            return
        if not holds:
            logger.error(
                "the audit chain no longer holds its checkpointed head; checkpoint left as it was",
                extra={"seq": seq},
            )
            return
        await _CheckpointWriter.of(self.seal.checkpoint).advance(seq=seq, digest=digest)

    async def _holds_checkpoint(self, head: tuple[int, str] | None) -> bool:
        """Whether the chain, read under the sealer's lock, still holds the checkpointed head.
        Every checkpoint names a sealed event, so a chain that lost it was altered behind the
        API's back; were the checkpoint moved on from there, the loss would no longer show."""
        if self.seal.checkpoint is None:
            return True
        try:
            checkpoint = self.seal.checkpoint.read()
        except CheckpointInvalid:
            return False
        if checkpoint is None:
            return True
        if head is None or head[0] < checkpoint.seq:
            return False
        if head[0] == checkpoint.seq:
            return head[1] == checkpoint.hash
        return await self.repository.hash_at(seq=checkpoint.seq) == checkpoint.hash


class _CheckpointWriter:
    """Writes a checkpoint file off the event loop (its lock and fsync may take a while on a
    busy disk, and would stall every request of the process meanwhile, some of them holding
    row locks other workers wait for), one write at a time per process: a head sealed while
    a write is under way is written by that writer's next round, the latest head only."""

    _writers: ClassVar[dict[Path, _CheckpointWriter]] = {}

    def __init__(self, checkpoint: CheckpointFile) -> None:
        self.checkpoint = checkpoint
        self.wanted: tuple[int, str] | None = None
        self.busy = False

    @classmethod
    def of(cls, checkpoint: CheckpointFile) -> _CheckpointWriter:
        writer = cls._writers.get(checkpoint.path)
        if writer is None or writer.checkpoint is not checkpoint:
            writer = cls._writers[checkpoint.path] = cls(checkpoint)
        return writer

    async def advance(self, *, seq: int, digest: str) -> None:
        if self.wanted is None or seq > self.wanted[0]:
            self.wanted = (seq, digest)
        if self.busy:
            return  # the write under way goes round again for this head
        self.busy = True
        try:
            while self.wanted is not None:
                seq, digest = self.wanted
                self.wanted = None
                try:
                    await asyncio.to_thread(self.checkpoint.advance, seq=seq, digest=digest)
                except Exception:
                    # The seal is committed whatever happens here: the next seal writes a
                    # later checkpoint, and until then verify checks the chain against the
                    # previous one.
                    logger.exception("could not write the audit checkpoint", extra={"seq": seq})
        finally:
            self.busy = False


class SealingSession(AsyncSession):
    """A session that, once a transaction that wrote audit events has committed, seals them."""

    async def commit(self) -> None:
        wrote_events = self.info.pop(PENDING, False)
        sealed: tuple[int, str, bool] | None = self.info.pop(SEALED, None)
        await super().commit()
        if wrote_events:
            try:
                sealer = AuditSealer(self)
                if sealed is not None:
                    seq, digest, holds = sealed
                    await sealer._checkpoint(seq=seq, digest=digest, holds=holds)
                await sealer.seal_pending()
            except Exception:
                # The writer's commit stands; its events stay pending until the next seal.
                logger.exception("could not seal the audit chain")
