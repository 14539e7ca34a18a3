"""The acceptance path of the indicators issue, end to end over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory


async def _quarterly_indicator(
    client: AsyncClient, headers: dict[str, str], code: str, **overrides: Any
) -> None:
    body = {
        "code": code,
        "title": f"Indicator {code}",
        "value_type": "percentage",
        "decimal_places": 1,
        "polarity": "higher_is_better",
        "frequency": "quarterly",
        "aggregation": "mean",
        "tolerance": {"unit": "percent", "green_within": 5, "amber_within": 10},
        "org_unit_code": "HOU",
        **overrides,
    }
    response = await client.post("/api/v1/indicators", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def _approved(
    client: AsyncClient,
    enterer: dict[str, str],
    approver: dict[str, str],
    code: str,
    period: str,
    value: float,
) -> None:
    saved = await client.put(
        f"/api/v1/indicators/{code}/values/{period}", json={"value": value}, headers=enterer
    )
    assert saved.status_code in (200, 201), saved.text
    submitted = await client.post(
        f"/api/v1/indicators/{code}/values/{period}/submit", headers=enterer
    )
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(
        f"/api/v1/indicators/{code}/values/{period}/approve", headers=approver
    )
    assert approved.status_code == 200, approved.text


@pytest.fixture
async def people(factory: Factory) -> dict[str, dict[str, str]]:
    await factory.financial_year(2024)
    await factory.financial_year(2025)
    return {
        "performance": await factory.headers(Role.PERFORMANCE_TEAM),
        "head": await factory.headers(Role.HEAD_OF_SERVICE, "HOU"),
    }


async def test_status_follows_the_rag_rule_and_direction_across_two_years(
    client: AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    perf, head = people["performance"], people["head"]
    await _quarterly_indicator(client, perf, "HS08")
    for period in ("2024-25-Q4", "2025-26-Q1", "2025-26-Q2", "2025-26-Q3"):
        response = await client.put(
            f"/api/v1/indicators/HS08/targets/{period}", json={"value": 80}, headers=perf
        )
        assert response.status_code in (200, 201), response.text

    for period, value in (
        ("2024-25-Q4", 70),
        ("2025-26-Q1", 74),
        ("2025-26-Q2", 78),
        ("2025-26-Q3", 81),
    ):
        await _approved(client, head, perf, "HS08", period, value)

    expected = {
        "2024-25-Q4": ("red", "not_available"),
        "2025-26-Q1": ("amber", "improving"),
        "2025-26-Q2": ("green", "improving"),
        "2025-26-Q3": ("green", "improving"),
    }
    for period, (rag, direction) in expected.items():
        response = await client.get(
            "/api/v1/indicators/HS08/status", params={"period": period}, headers=perf
        )
        assert response.status_code == 200, response.text
        status = response.json()
        assert (status["rag"], status["direction"]["vs_previous"]) == (rag, direction), period

    q2 = (await client.get("/api/v1/indicators/HS08/status?period=2025-26-Q2", headers=perf)).json()
    assert q2["value"] == 78
    assert q2["target"] == 80
    assert q2["shortfall"] == 2
    assert q2["shortfall_pct"] == 2.5
    assert q2["ytd"] == {
        "value": 76,
        "target": 80,
        "rag": "green",
        "as_at": "2025-26-Q2",
        "complete": True,
    }
    assert q2["value_status"] == "approved"


async def test_green_only_when_met_tolerance(
    client: AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    perf, head = people["performance"], people["head"]
    await _quarterly_indicator(
        client,
        perf,
        "CT01",
        tolerance={"unit": "percent", "green_within": 0, "amber_within": 10},
    )
    await client.put("/api/v1/indicators/CT01/targets/2025-26-Q1", json={"value": 80}, headers=perf)
    await _approved(client, head, perf, "CT01", "2025-26-Q1", 79.9)
    status = (
        await client.get("/api/v1/indicators/CT01/status?period=2025-26-Q1", headers=perf)
    ).json()
    assert status["rag"] == "amber"


async def test_scorecard_counts_each_status(
    client: AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    perf, head = people["performance"], people["head"]
    for code, value in (("A1", 81), ("A2", 74), ("A3", 60)):
        await _quarterly_indicator(client, perf, code)
        await client.put(
            f"/api/v1/indicators/{code}/targets/2025-26-Q1", json={"value": 80}, headers=perf
        )
        await _approved(client, head, perf, code, "2025-26-Q1", value)
    await _quarterly_indicator(client, perf, "A4", polarity="none", tolerance=None)
    await _approved(client, head, perf, "A4", "2025-26-Q1", 12)
    await _quarterly_indicator(client, perf, "A5")

    response = await client.get("/api/v1/reports/scorecard?period=2025-26-Q1", headers=perf)
    assert response.status_code == 200, response.text
    card = response.json()
    counts = {rag: n for rag, n in card["summary"].items() if rag != "spend"}
    assert counts == {"green": 1, "amber": 1, "red": 1, "data_only": 1, "missing": 1}
    assert [row["indicator_code"] for row in card["rows"]] == ["A1", "A2", "A3", "A4", "A5"]
    assert {row["org_unit_code"] for row in card["rows"]} == {"HOU"}
