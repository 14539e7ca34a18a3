"""What makes the audit chain tamper-evident to the database's own administrator: the key the
chain is keyed with and the checkpoint file its head is signed into, both outside the database.

``install_audit_seal`` gives a sessionmaker's sessions the seal (in their ``info``) and makes
them seal, after a commit that wrote events, those events into the chain and its new head into
the checkpoint (app.audit.sealer). The app installs it from its lifespan (through
``app.bootstrap.app_sessionmaker``); a session from a sessionmaker without one uses the seal of
the process's settings and leaves its events pending for the next seal.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from app.audit.checkpoint import CheckpointFile
from app.core.config import Settings, get_settings
from app.core.db import install_once

logger = logging.getLogger("app.audit")

_SEAL = "audit.seal"
# Set when this transaction wrote events: they are to be sealed once it has committed.
PENDING = "audit.pending"
# The head this transaction sealed its own events up to, (seq, hash, whether the chain held
# the checkpoint): written into the checkpoint once it has committed.
SEALED = "audit.sealed"
# The checkpoint file in place when this session's transaction began (its stamp): verify's
# snapshot sees every event a checkpoint written before then names.
SEEN_AT_BEGIN = "audit.checkpoint_at_begin"


@dataclass(frozen=True)
class AuditSeal:
    key: bytes
    checkpoint: CheckpointFile | None

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditSeal:
        key = settings.audit_key.encode()
        path = settings.audit_checkpoint_path or default_checkpoint_path(settings.database_url)
        return cls(key=key, checkpoint=CheckpointFile(path, key=key))


def default_checkpoint_path(database_url: str) -> Path:
    """Under ./var/, named after the database (its URL without the password), so that two
    databases run from one directory (the demo, a benchmark) never share a checkpoint."""
    label = make_url(database_url).render_as_string(hide_password=True)
    return Path("var") / f"audit-checkpoint-{hashlib.sha256(label.encode()).hexdigest()[:12]}.json"


def install_audit_seal(maker: async_sessionmaker[AsyncSession], seal: AuditSeal) -> None:
    """Give the sessions of ``maker`` the seal, and a seal after each commit that wrote events."""
    from app.audit.sealer import SealingSession  # noqa: PLC0415 - the sealer reads this module

    sync_maker = maker.kw.get("sync_session_class")
    if sync_maker is None:
        raise ValueError("make the sessionmaker with app.core.db.create_sessionmaker")
    if not issubclass(SealingSession, maker.class_):
        raise ValueError("the sessionmaker's session class is not an AsyncSession")
    maker.class_ = SealingSession
    maker.kw["info"] = {**maker.kw.get("info", {}), _SEAL: seal}
    if not install_once(sync_maker, "audit seal"):
        return
    event.listen(sync_maker, "after_begin", _after_begin)
    event.listen(sync_maker, "after_soft_rollback", _after_rollback)


def seal_of(session: AsyncSession) -> AuditSeal:
    seal: AuditSeal | None = session.info.get(_SEAL)
    return seal if seal is not None else AuditSeal.from_settings(get_settings())


def _after_begin(session: Session, transaction: SessionTransaction, _connection: Any) -> None:
    seal: AuditSeal | None = session.info.get(_SEAL)
    if transaction.parent is None and seal is not None and seal.checkpoint is not None:
        session.info[SEEN_AT_BEGIN] = seal.checkpoint.stamp()


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint within it
        session.info.pop(PENDING, None)
        session.info.pop(SEALED, None)
