"""Concurrent bulk pushes of the same new values on PostgreSQL: each push is stored whole or
refused cleanly (409), never a 500, and every acknowledged figure is in the values' history.

These tests commit for real, so they run in a scratch database of their own.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from decimal import Decimal

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory

pytestmark = pytest.mark.skipif(
    not os.environ.get("GT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent writers are a PostgreSQL matter (SQLite queues them)",
)

BATCH = "/api/v1/values/batch"
CODES = ["CB1", "CB2", "CB3", "CB4"]
MONTHS = ["2025-04", "2025-05", "2025-06"]
PUSHES = 32


async def test_concurrent_pushes_creating_the_same_values_never_500_and_lose_nothing(
    committed: tuple[AsyncClient, Factory],
) -> None:
    client, factory = committed
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    for code in CODES:
        response = await client.post(
            "/api/v1/indicators",
            json={
                "code": code,
                "title": code,
                "value_type": "count",
                "polarity": "lower_is_better",
                "frequency": "monthly",
                "org_unit_code": "HOU",
            },
            headers=perf,
        )
        assert response.status_code == 201, response.text
    pairs = [(code, month) for code in CODES for month in MONTHS]
    shuffle = random.Random(19)

    async def push(n: int) -> tuple[int, int, dict[str, object]]:
        # Each push names every value, in its own order, so the row locks come in every order.
        items = [{"indicator_code": code, "period": month, "value": n} for code, month in pairs]
        shuffle.shuffle(items)
        response = await client.post(
            BATCH, json={"items": items, "atomic": n % 2 == 0}, headers=perf
        )
        return n, response.status_code, response.json()

    answers = await asyncio.gather(*(push(n) for n in range(PUSHES)))

    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] > 0
    saved: dict[tuple[str, str], list[int]] = {pair: [] for pair in pairs}
    created: Counter[tuple[str, str]] = Counter()
    for n, status, body in answers:
        if status != 200:
            continue
        results = body["results"]
        assert isinstance(results, list)
        for result in results:
            pair = (result["indicator_code"], result["period"])
            assert result["outcome"] in {"created", "updated", "unchanged"}, result
            created[pair] += result["outcome"] == "created"
            if result["outcome"] != "unchanged":
                saved[pair].append(n)
    # Each new value is created once; every push acknowledged after it is a revision of it.
    assert created == Counter(dict.fromkeys(pairs, 1))
    for (code, month), values in saved.items():
        history = await client.get(
            f"/api/v1/indicators/{code}/values/{month}/history", headers=perf
        )
        assert history.status_code == 200, history.text
        page = history.json()
        # At most PUSHES revisions: one page either way (a list or the paged envelope).
        revisions = page["items"] if isinstance(page, dict) else page
        assert sorted(Decimal(str(r["value"])) for r in revisions) == sorted(
            Decimal(n) for n in values
        )
        current = await client.get(f"/api/v1/indicators/{code}/values/{month}", headers=perf)
        assert current.status_code == 200, current.text
        latest = max(revisions, key=lambda r: r["number"])
        assert Decimal(str(current.json()["value"])) == Decimal(str(latest["value"]))
