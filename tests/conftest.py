"""Test harness: a real database built by `alembic upgrade head`, a transaction per test.

GT_TEST_DATABASE_URL picks the backend (the Makefile runs the suite once per backend):
an SQLite file by default, or a PostgreSQL server URL, on which a fresh database is created
for the run and dropped after it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.config import Environment, Settings
from app.core.db import create_engine
from app.main import create_app
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import sessionmaker_for

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


# The longest modules first. The suite runs on two workers a module at a time (--dist
# loadfile), in collection order, and these sort last by name: one of them started at the end
# kept a worker busy for a minute or more while the other had nothing left to do.
_LONGEST_FIRST = (
    "tests/test_fuzz.py",
    "tests/test_demo.py",
    "tests/test_generated_client.py",
    "tests/test_migrations.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::", 1)[0]
        return _LONGEST_FIRST.index(module) if module in _LONGEST_FIRST else len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


async def _admin_execute(server_url: str, statement: str) -> None:
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    configured = os.environ.get("GT_TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        name = f"gt_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin_execute(configured, f'CREATE DATABASE "{name}"'))
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            asyncio.run(
                _admin_execute(configured, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite+aiosqlite:///{folder}/test.db"


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    command.upgrade(alembic_config(database_url), "head")
    return database_url


@pytest.fixture(scope="session")
def settings(migrated_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=migrated_url,
        secret_key=TEST_SECRET,
        log_json=False,
        log_level="WARNING",
        # Concurrent writes through one app stand for writes on several workers, as the
        # concurrency tests mean them: none waits its turn here (the turns have tests of their
        # own, tests/core/test_write_admission.py).
        write_concurrency=0,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One outer transaction per test, rolled back at the end: tests never see each other.

    The app's commits are savepoints in it, so on PostgreSQL the trigger numbering each change
    as its transaction commits (migration 0027) runs at once instead: the data version moves
    with each of them, as it does with each real commit."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SET CONSTRAINTS data_change_numbered IMMEDIATE"))
        try:
            yield connection
        finally:
            try:
                await transaction.rollback()
            except Exception:
                # A task cancelled mid-statement leaves the connection busy and the rollback
                # fails: close it, so the server rolls the test back rather than hold its rows
                # (and every later test on this database behind them) until the run ends.
                await connection.invalidate()
                raise


@pytest.fixture
def sessionmaker(
    connection: AsyncConnection, settings: Settings
) -> async_sessionmaker[AsyncSession]:
    return sessionmaker_for(connection, settings)


@pytest.fixture
def status_cache() -> StatusCache:
    """The app's statuses kept per data version; a test counting what a computation runs
    empties it first, so it counts a computation and not a partial refresh."""
    return StatusCache()


def _bind(
    application: FastAPI,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    status_cache: StatusCache,
) -> FastAPI:
    application.state.engine = engine
    application.state.sessionmaker = sessionmaker
    # As in the app: every report read goes through the status cache.
    application.state.status_cache = status_cache
    return application


@pytest.fixture(scope="session")
def shared_app(settings: Settings) -> FastAPI:
    """The app, made once per run: FastAPI works out each route's dependencies on an app's
    first request (300-600 ms for ours), which an app made per test paid in every test."""
    return create_app(settings, run_startup=False)


@pytest.fixture
def app(
    shared_app: FastAPI,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    status_cache: StatusCache,
) -> Iterator[FastAPI]:
    """The app on this test's transaction. What a test changes on it (its state, dependency
    overrides, metrics probes) is put back after; a test adding routes takes ``fresh_app``."""
    state = dict(shared_app.state._state)
    probes = list(shared_app.state.metrics_probes)
    routes = len(shared_app.router.routes)
    try:
        yield _bind(shared_app, engine, sessionmaker, status_cache)
    finally:
        shared_app.state._state.clear()
        shared_app.state._state.update(state)
        shared_app.state.metrics_probes[:] = probes
        shared_app.dependency_overrides.clear()
        assert len(shared_app.router.routes) == routes, "a test adding routes takes fresh_app"


@pytest.fixture
def fresh_app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    status_cache: StatusCache,
) -> FastAPI:
    """An app of this test's own, for a test that adds routes to it."""
    return _bind(create_app(settings, run_startup=False), engine, sessionmaker, status_cache)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
def factory(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Factory:
    return Factory(sessionmaker, settings)


@pytest.fixture
def is_postgres(settings: Settings) -> bool:
    return settings.database_url.startswith("postgresql")


@pytest.fixture
async def committed(settings: Settings) -> AsyncIterator[tuple[AsyncClient, Factory]]:
    """The app on a PostgreSQL database of its own whose transactions really commit, for tests
    of concurrent writers (each request its own transaction, as in production); dropped after.
    """
    server = os.environ["GT_TEST_DATABASE_URL"]
    name = f"gt_race_{uuid.uuid4().hex[:10]}"
    await _admin_execute(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    # Enough connections that the writers really overlap in the database.
    engine = create_engine(url, pool_size=8)
    application = create_app(settings.model_copy(update={"database_url": url}), run_startup=False)
    application.state.engine = engine
    application.state.sessionmaker = app_sessionmaker(
        engine, audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=None)
    )
    try:
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http, Factory(application.state.sessionmaker, settings)
    finally:
        await engine.dispose()
        await _admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
