"""The golden thread end to end: a corporate priority, the service objective serving it, its
measures, the corrective action for a red one, the tree, the exception report, the risk matrix."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory


async def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _measure(
    client: AsyncClient, perf: dict[str, str], head: dict[str, str], code: str, value: float
) -> None:
    await _ok(
        await client.post(
            "/api/v1/indicators",
            json={
                "code": code,
                "title": f"Measure {code}",
                "value_type": "percentage",
                "decimal_places": 1,
                "polarity": "higher_is_better",
                "frequency": "quarterly",
                "org_unit_code": "HOU",
                "tolerance": {"unit": "percent", "green_within": 5, "amber_within": 10},
            },
            headers=perf,
        )
    )
    for period in ("2025-26-Q1", "2025-26-Q2"):
        await client.put(
            f"/api/v1/indicators/{code}/targets/{period}", json={"value": 80}, headers=perf
        )
        await _ok(
            await client.put(
                f"/api/v1/indicators/{code}/values/{period}", json={"value": value}, headers=head
            )
        )
        await _ok(
            await client.post(f"/api/v1/indicators/{code}/values/{period}/submit", headers=head),
            200,
        )
        await _ok(
            await client.post(f"/api/v1/indicators/{code}/values/{period}/approve", headers=perf),
            200,
        )


@pytest.fixture
async def people(factory: Factory) -> dict[str, dict[str, str]]:
    await factory.financial_year(2025)
    return {
        "perf": await factory.headers(Role.PERFORMANCE_TEAM),
        "head": await factory.headers(Role.HEAD_OF_SERVICE, "HOU"),
        "councillor": await factory.headers(Role.COUNCILLOR),
    }


async def test_the_thread_from_priority_to_action(
    client: AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    perf, head = people["perf"], people["head"]
    corporate = await _ok(
        await client.post(
            "/api/v1/plans",
            json={
                "kind": "corporate",
                "title": "Corporate Plan 2024-2028",
                "org_unit_code": "DBC",
                "start_year": 2024,
                "end_year": 2028,
                "themes": ["People", "Place"],
            },
            headers=perf,
        )
    )
    priority = await _ok(
        await client.post(
            f"/api/v1/plans/{corporate['id']}/objectives",
            json={"code": "P1", "title": "Everyone has a safe home", "theme": "People"},
            headers=perf,
        )
    )
    service = await _ok(
        await client.post(
            "/api/v1/plans",
            json={
                "kind": "service",
                "title": "Housing Service Plan 2025-26",
                "org_unit_code": "HOU",
                "start_year": 2025,
                "end_year": 2025,
            },
            headers=head,
        )
    )
    await _measure(client, perf, head, "HOU1", 70)  # red: 12.5% short
    await _measure(client, perf, head, "HOU2", 78)  # green
    objective = await _ok(
        await client.post(
            f"/api/v1/plans/{service['id']}/objectives",
            json={
                "code": "H1",
                "title": "Prevent homelessness",
                "serves_ids": [priority["id"]],
                "indicator_codes": ["HOU1", "HOU2"],
            },
            headers=head,
        )
    )
    child = await _ok(
        await client.post(
            f"/api/v1/plans/{service['id']}/objectives",
            json={"title": "Early help", "parent_id": objective["id"], "indicator_codes": ["HOU1"]},
            headers=head,
        )
    )
    assert child["parent_id"] == objective["id"]
    served = await _ok(await client.get(f"/api/v1/objectives/{priority['id']}", headers=perf), 200)
    assert served["served_by_ids"] == [objective["id"]]

    action = await _ok(
        await client.post(
            "/api/v1/actions",
            json={
                "title": "Recruit two prevention officers",
                "org_unit_code": "HOU",
                "start_date": "2025-10-01",
                "due_date": "2026-03-31",
                "indicator_code": "HOU1",
                "period": "2025-26-Q2",
            },
            headers=head,
        )
    )

    tree = await _ok(
        await client.get(
            f"/api/v1/plans/{service['id']}/tree", params={"period": "2025-26-Q2"}, headers=perf
        ),
        200,
    )
    assert tree["summary"]["red"] == 1
    assert tree["summary"]["green"] == 1
    [root] = tree["objectives"]
    assert root["rollup"]["red"] == 1
    assert root["rollup"]["green"] == 1
    assert [s["indicator_code"] for s in root["indicators"]] == ["HOU1", "HOU2"]
    assert root["children"][0]["rollup"] == {
        "green": 0,
        "amber": 0,
        "red": 1,
        "data_only": 0,
        "missing": 0,
    }

    report = await _ok(
        await client.get(
            "/api/v1/reports/exceptions",
            params={"period": "2025-26-Q2", "plan": service["id"]},
            headers=people["councillor"],
        ),
        200,
    )
    assert [row["indicator_code"] for row in report["rows"]] == ["HOU1"]
    row = report["rows"][0]
    assert row["rag"] == "red"
    assert row["red_two_periods"] is True
    assert [a["id"] for a in row["actions"]] == [action["id"]]
    assert report["red_two_periods_in_a_row"] == ["HOU1"]
    assert report["without_corrective_action"] == []

    scorecard = await _ok(
        await client.get(
            "/api/v1/reports/scorecard",
            params={"period": "2025-26-Q2", "objective": child["id"]},
            headers=perf,
        ),
        200,
    )
    assert [r["indicator_code"] for r in scorecard["rows"]] == ["HOU1"]

    committee = await _ok(
        await client.post(
            "/api/v1/committees",
            json={"name": "Housing Scrutiny Panel", "indicator_codes": ["HOU2"]},
            headers=perf,
        )
    )
    scorecard = await _ok(
        await client.get(
            "/api/v1/reports/scorecard",
            params={"period": "2025-26-Q2", "committee": committee["id"]},
            headers=perf,
        ),
        200,
    )
    assert [r["indicator_code"] for r in scorecard["rows"]] == ["HOU2"]


async def test_the_risk_matrix_counts_the_risks_created(
    client: AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    head = people["head"]
    for code, likelihood, impact in (("R1", 4, 5), ("R2", 4, 5), ("R3", 2, 3)):
        await _ok(
            await client.post(
                "/api/v1/risks",
                json={
                    "code": code,
                    "title": f"Risk {code}",
                    "org_unit_code": "HOU",
                    "inherent": {"likelihood": 5, "impact": 5},
                    "current": {"likelihood": likelihood, "impact": impact},
                    "target": {"likelihood": 1, "impact": 2},
                },
                headers=head,
            )
        )
    matrix = await _ok(await client.get("/api/v1/risks/matrix", headers=head), 200)
    assert matrix["total"] == 3
    cells = {(c["likelihood"], c["impact"]): c["count"] for c in matrix["cells"]}
    assert cells[(4, 5)] == 2
    assert cells[(2, 3)] == 1
    assert sum(cells.values()) == 3
