"""Audit tests seal the chain as the app does: the test settings' key and a checkpoint file of
each test's own (the test's writes, checkpoint included, go when it ends)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.audit.checkpoint import CheckpointFile
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.config import Settings
from tests.conftest import _admin_execute, alembic_config


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


@pytest.fixture
async def scratch(settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the test's own, migrated to head, where commits are real commits."""
    configured = os.environ.get("GT_TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        name = f"gt_audit_{uuid.uuid4().hex[:10]}"
        await _admin_execute(configured, f'CREATE DATABASE "{name}"')
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/audit.db"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    try:
        yield url
    finally:
        if configured.startswith("postgresql"):
            await _admin_execute(configured, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
