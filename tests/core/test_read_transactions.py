"""On PostgreSQL a read runs outside a transaction (no BEGIN and COMMIT, two round trips that
bought nothing at READ COMMITTED), and the connection it used goes back to the pool fit for a
writer's transaction. These tests commit for real, in a scratch database of their own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import create_indicator

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="transactions asyncpg opens are PostgreSQL's",
)


@contextmanager
def simple_statements() -> Iterator[list[str]]:
    """The statements sent in asyncpg's simple protocol: BEGIN, COMMIT, ROLLBACK, the ping."""
    sent: list[str] = []
    original = asyncpg.Connection.execute

    async def spy(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(query.strip().upper())
        return await original(self, query, *args, **kwargs)

    asyncpg.Connection.execute = spy
    try:
        yield sent
    finally:
        asyncpg.Connection.execute = original


def transaction_control(sent: list[str]) -> list[str]:
    return [s for s in sent if s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


async def test_a_read_sends_no_begin_or_commit_and_sees_what_was_committed_before(
    committed: tuple[AsyncClient, Factory],
) -> None:
    client, factory = committed
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await create_indicator(client, perf, "READ1", value_type="number", decimal_places=0)
    saved = await client.put(
        "/api/v1/indicators/READ1/values/2025-26-Q1", json={"value": 7}, headers=perf
    )
    assert saved.status_code == 201

    with simple_statements() as sent:
        indicator = await client.get("/api/v1/indicators/READ1", headers=perf)
        values = await client.get("/api/v1/indicators/READ1/values", headers=perf)
    assert indicator.status_code == 200
    assert [v["value"] for v in values.json()["items"]] == [7]
    assert transaction_control(sent) == []


async def test_a_write_after_reads_still_runs_in_a_transaction_of_its_own_that_can_write(
    committed: tuple[AsyncClient, Factory],
) -> None:
    client, factory = committed
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    # Enough reads that every connection of the pool has served one.
    for _ in range(20):
        assert (await client.get("/api/v1/indicators", headers=perf)).status_code == 200

    with simple_statements() as sent:
        await create_indicator(client, perf, "WRITE1")
    control = transaction_control(sent)
    # The request's own transaction, read-write (a connection handed back by a read is reset).
    assert control[0].startswith("BEGIN")
    assert control[-1].startswith("COMMIT")
    assert all("READ ONLY" not in s for s in control)
    assert (await client.get("/api/v1/indicators/WRITE1", headers=perf)).status_code == 200
