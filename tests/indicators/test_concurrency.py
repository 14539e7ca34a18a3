"""Two people update the same thing at once on PostgreSQL: one wins, the other gets 412.

These tests commit for real, so they run in a scratch database of their own.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row locking under real concurrency is a PostgreSQL matter",
)


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
