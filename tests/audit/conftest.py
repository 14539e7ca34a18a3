"""Audit tests seal the chain as the app does: the test settings' key and a checkpoint file of
each test's own (the test's writes, checkpoint included, go when it ends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.audit.checkpoint import CheckpointFile
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.config import Settings


@pytest.fixture
def checkpoint(settings: Settings, tmp_path: Path) -> CheckpointFile:
    return CheckpointFile(
        tmp_path / "var" / "audit-checkpoint.json", key=settings.audit_key.encode()
    )


@pytest.fixture
def sessionmaker(
    connection: AsyncConnection, settings: Settings, checkpoint: CheckpointFile
) -> async_sessionmaker[AsyncSession]:
    return app_sessionmaker(
        connection,
        audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=checkpoint),
        join_transaction_mode="create_savepoint",
    )
