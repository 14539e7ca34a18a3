"""Two people update the same thing at once on PostgreSQL: one wins, the other gets 412.

These tests commit for real, so they run in a scratch database of their own.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from alembic import command
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url

from app.access.permissions import Role
from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.main import create_app
from tests.conftest import _admin_execute, alembic_config
from tests.factories import Factory

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row locking under real concurrency is a PostgreSQL matter",
)


@pytest.fixture
async def committed(settings: Settings) -> AsyncIterator[tuple[AsyncClient, Factory]]:
    server = os.environ["GT_TEST_DATABASE_URL"]
    name = f"gt_race_{uuid.uuid4().hex[:10]}"
    await _admin_execute(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    engine = create_engine(url, pool_size=4)
    app = create_app(settings.model_copy(update={"database_url": url}), run_startup=False)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
            yield http, Factory(app.state.sessionmaker, settings)
    finally:
        await engine.dispose()
        await _admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_two_concurrent_updates_one_wins_and_the_other_gets_412(
    committed: tuple[AsyncClient, Factory],
) -> None:
    client, factory = committed
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    created = await client.post(
        "/api/v1/indicators",
        json={
            "code": "RACE1",
            "title": "Race",
            "value_type": "number",
            "polarity": "none",
            "frequency": "quarterly",
            "org_unit_code": "HOU",
        },
        headers=perf,
    )
    etag = created.headers["etag"]

    async def rename(title: str) -> int:
        response = await client.patch(
            "/api/v1/indicators/RACE1", json={"title": title}, headers={**perf, "If-Match": etag}
        )
        return response.status_code

    statuses = sorted(await asyncio.gather(rename("First"), rename("Second")))
    assert statuses == [200, 412]
    final = (await client.get("/api/v1/indicators/RACE1", headers=perf)).json()
    assert final["title"] in {"First", "Second"}

    saved = await client.put(
        "/api/v1/indicators/RACE1/values/2025-26-Q1", json={"value": 1}, headers=perf
    )
    value_etag = saved.headers["etag"]

    async def save(value: int) -> int:
        response = await client.put(
            "/api/v1/indicators/RACE1/values/2025-26-Q1",
            json={"value": value},
            headers={**perf, "If-Match": value_etag},
        )
        return response.status_code

    assert sorted(await asyncio.gather(save(2), save(3))) == [200, 412]
