"""Bulk pushes keep to the indicators' bounds: each item outside them is named, with its CSV
line, and an atomic batch stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import INDICATORS, Headers, assert_problem
from tests.indicators.helpers import create_indicator

BATCH = "/api/v1/values/batch"
Q1, Q2 = "2025-26-Q1", "2025-26-Q2"


@pytest.fixture
async def perf(client: AsyncClient, factory: Factory) -> Headers:
    await factory.financial_year(2025)
    headers = await factory.headers(Role.PERFORMANCE_TEAM)
    await create_indicator(client, headers, "PCT")  # a percentage, 0-100
    await create_indicator(
        client, headers, "CNT", value_type="count", decimal_places=0, aggregation="sum"
    )
    await create_indicator(client, headers, "OWN", value_type="number", min_value=1, max_value=5)
    return headers


async def stored(client: AsyncClient, headers: Headers, code: str) -> list[Any]:
    response = await client.get(f"{INDICATORS}/{code}/values", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return list(body["items"] if isinstance(body, dict) else body)


def errors_by_index(results: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    return {result["index"]: result["errors"] for result in results if result["errors"]}


async def test_a_json_batch_with_a_percentage_over_100_is_refused_and_nothing_is_stored(
    client: AsyncClient, perf: Headers
) -> None:
    items = [
        {"indicator_code": "PCT", "period": Q1, "value": 80},
        {"indicator_code": "PCT", "period": Q2, "value": 101},
        {"indicator_code": "CNT", "period": Q1, "value": -3},
        {"indicator_code": "OWN", "period": Q1, "value": 6},
    ]
    response = await client.post(BATCH, json={"items": items}, headers=perf)
    body = assert_problem(response, 422)
    assert body["summary"]["error"] == 3
    errors = errors_by_index(body["results"])
    assert set(errors) == {1, 2, 3}
    assert [(e["loc"], e["type"]) for e in errors[1]] == [(["value"], "above_max_value")]
    assert "maximum of 100" in errors[1][0]["msg"]
    assert [(e["loc"], e["type"]) for e in errors[2]] == [(["value"], "below_min_value")]
    assert [e["type"] for e in errors[3]] == ["above_max_value"]
    assert "max_value" in errors[3][0]["msg"]
    for code in ("PCT", "CNT", "OWN"):
        assert await stored(client, perf, code) == []


async def test_a_csv_batch_names_the_line_of_each_figure_outside_its_bounds(
    client: AsyncClient, perf: Headers
) -> None:
    body = (
        f"indicator_code,period,value\nPCT,{Q1},99.5\nPCT,{Q2},-0.5\nOWN,{Q1},0.5\nCNT,{Q1},4\n"
    ).encode()
    response = await client.post(BATCH, content=body, headers={**perf, "Content-Type": "text/csv"})
    problem = assert_problem(response, 422)
    lines = {result["line"]: result["errors"] for result in problem["results"]}
    assert set(lines) == {3, 4}
    assert lines[3][0]["type"] == "below_min_value"
    assert lines[4][0]["type"] == "below_min_value"
    assert "min_value" in lines[4][0]["msg"]
    assert await stored(client, perf, "PCT") == []
    assert await stored(client, perf, "CNT") == []


async def test_a_non_atomic_batch_stores_the_figures_within_bounds_only(
    client: AsyncClient, perf: Headers
) -> None:
    response = await client.post(
        f"{BATCH}?atomic=false",
        content=f"indicator_code,period,value\nPCT,{Q1},100\nPCT,{Q2},100.1\n".encode(),
        headers={**perf, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "error": 1}
    assert [r["outcome"] for r in result["results"]] == ["created", "error"]
    assert result["results"][1]["line"] == 3
    assert [value["period"] for value in await stored(client, perf, "PCT")] == [Q1]


async def test_a_percentage_from_numerator_and_denominator_is_bounded_in_a_batch_too(
    client: AsyncClient, perf: Headers
) -> None:
    items = [{"indicator_code": "PCT", "period": Q1, "numerator": 70, "denominator": 60}]
    response = await client.post(BATCH, json={"items": items}, headers=perf)
    problem = assert_problem(response, 422)
    assert errors_by_index(problem["results"])[0][0]["type"] == "above_max_value"
