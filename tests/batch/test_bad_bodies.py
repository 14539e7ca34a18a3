"""Bulk pushes that must be refused whole and clearly: nothing is stored, nothing is lost."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import Headers, assert_problem

BATCH = "/api/v1/values/batch"
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def perf(client: AsyncClient, factory: Factory) -> Headers:
    await factory.financial_year(2025)
    headers = await factory.headers(Role.PERFORMANCE_TEAM)
    for code in ("B1", "B2"):
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
            headers=headers,
        )
        assert response.status_code == 201, response.text
    return headers


async def stored(client: AsyncClient, perf: Headers, code: str) -> bool:
    return (
        await client.get(f"/api/v1/indicators/{code}/values/2025-04", headers=perf)
    ).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        # The quote opened in B1's commentary is never closed: B2's row would vanish into it.
        b"indicator_code,period,value,commentary\n"
        b'B1,2025-04,3,"Two posts vacant\nB2,2025-04,4,ok\n',
        # ... or closed by a later quote, swallowing the row between.
        b'indicator_code,period,value,commentary\nB1,2025-04,3,"Two posts\nB2,2025-04,4,"fine"\n',
    ],
)
async def test_a_csv_with_a_quote_left_open_is_refused_whole(
    client: AsyncClient, perf: Headers, body: bytes
) -> None:
    response = await client.post(BATCH, content=body, headers={**perf, **CSV})
    assert_problem(response, 400)
    assert not await stored(client, perf, "B1")
    assert not await stored(client, perf, "B2")


async def test_a_csv_header_of_many_unknown_columns_gets_a_short_answer(
    client: AsyncClient, perf: Headers
) -> None:
    header = "indicator_code,period,value," + ",".join(f"x{n}" for n in range(100_000))
    response = await client.post(BATCH, content=(header + "\n").encode(), headers={**perf, **CSV})
    body = assert_problem(response, 422)
    assert len(body["errors"]) <= 20
    assert "more unknown columns" in body["detail"]
    assert len(response.content) < 10_000


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"items": [{"indicator_code": "B1", "period": "2025-04", "value": '
        + b"9" * 5000
        + b"}]}",
    ],
)
async def test_a_json_body_nested_too_deep_or_with_a_huge_number_is_malformed(
    client: AsyncClient, perf: Headers, body: bytes
) -> None:
    response = await client.post(
        BATCH, content=body, headers={**perf, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_a_refused_atomic_batch_counts_nothing_as_stored(
    client: AsyncClient, perf: Headers
) -> None:
    items = [
        {"indicator_code": "B1", "period": "2025-04", "value": 3},
        {"indicator_code": "B2", "period": "2025-04", "value": "many"},
    ]
    response = await client.post(BATCH, json={"items": items}, headers=perf)
    body = assert_problem(response, 422)
    assert body["summary"] == {"created": 0, "updated": 0, "unchanged": 0, "error": 1}
    assert not await stored(client, perf, "B1")
