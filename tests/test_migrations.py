"""Migrations upgrade and downgrade cleanly, and the models match the schema they build."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, make_url
from sqlalchemy.engine import Connection

from app.core.db import create_engine
from app.models import Base
from tests.conftest import _admin_execute, alembic_config


def _diff_and_tables(url: str) -> tuple[list[object], set[str]]:
    async def run() -> tuple[list[object], set[str]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:

                def inspect_sync(sync: Connection) -> tuple[list[object], set[str]]:
                    context = MigrationContext.configure(
                        sync, opts={"compare_type": True, "render_as_batch": True}
                    )
                    diff = compare_metadata(context, Base.metadata)
                    return list(diff), set(inspect(sync).get_table_names())

                return await connection.run_sync(inspect_sync)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture
def scratch_url() -> object:
    configured = os.environ.get("GT_TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        name = f"gt_mig_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin_execute(configured, f'CREATE DATABASE "{name}"'))
        yield make_url(configured).set(database=name).render_as_string(hide_password=False)
        asyncio.run(_admin_execute(configured, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite+aiosqlite:///{folder}/migrations.db"


def test_migrations_upgrade_to_the_models_and_downgrade_to_nothing(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    diff, tables = _diff_and_tables(scratch_url)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"user_account", "org_unit", "period", "audit_event"} <= tables

    command.downgrade(config, "base")
    _, tables = _diff_and_tables(scratch_url)
    assert tables <= {"alembic_version"}

    command.upgrade(config, "head")
    diff, _ = _diff_and_tables(scratch_url)
    assert diff == []
