"""Publishing on the embedded database (SQLite, a file, transactions that really commit), as
`make run` serves: the request that publishes holds SQLite's one write lock from its first
statement, and the statuses it computes are stored with that request, not by a second writer
that would wait on the same lock until the busy timeout (the publish was a 503 after 30 s,
and the SPC fits it made were not stored after another 30 s each)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from app.access.permissions import Role
from app.audit.seal import AuditSeal
from app.bootstrap import app_sessionmaker
from app.core.config import Settings
from app.core.db import create_engine
from app.main import create_app
from app.spc.models import SpcFit
from app.status.cache import StatusCache
from app.status.store import StatusStore
from tests.conftest import alembic_config
from tests.factories import Factory
from tests.helpers import API, person
from tests.reports.test_board_pack import Q1, council


@pytest.fixture
async def embedded(
    settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[AsyncClient, Factory]]:
    if settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite's single writer")
    url = f"sqlite+aiosqlite:///{tmp_path}/embedded.db"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    engine = create_engine(url)
    application = create_app(settings.model_copy(update={"database_url": url}), run_startup=False)
    maker = app_sessionmaker(
        engine, audit=AuditSeal(key=settings.audit_key.encode(), checkpoint=None)
    )
    application.state.engine = engine
    application.state.sessionmaker = maker
    application.state.status_cache = StatusCache(store=StatusStore(maker))
    try:
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http, Factory(maker, settings)
    finally:
        await engine.dispose()


async def test_publishing_on_the_embedded_database_stores_the_statuses_it_computed(
    embedded: tuple[AsyncClient, Factory],
) -> None:
    client, factory = embedded
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    perf = (await person(factory, Role.PERFORMANCE_TEAM)).headers
    await council(client, factory, perf)

    # No read has computed the quarter's statuses yet: the publish computes them.
    response = await client.post(
        f"{API}/reports/publications", json={"kind": "scorecard", "period": Q1}, headers=perf
    )
    assert response.status_code == 201, response.text
    published = response.json()
    pack = await client.post(
        f"{API}/reports/publications", json={"kind": "board_pack", "period": Q1}, headers=perf
    )
    assert pack.status_code == 201, pack.text
    assert pack.json()["number"] == published["number"] + 1
    # The key indicators' fits the pack made were stored too (they waited 30 s and were lost).
    async with factory.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(SpcFit))
    card = await client.get(f"{API}/reports/scorecard", params={"period": Q1}, headers=perf)
    assert card.status_code == 200, card.text
    assert {row["indicator_code"]: row["rag"] for row in card.json()["rows"]} == {
        "KEY1": "green",
        "GRN": "green",
        "AMB": "amber",
        "RED": "red",
    }
