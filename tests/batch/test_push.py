"""Bulk pushes from other systems: CSV and JSON, atomic or not, idempotent, in scope only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory

BATCH = "/api/v1/values/batch"
MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


async def _indicator(
    client: AsyncClient, headers: dict[str, str], code: str, unit: str, frequency: str = "monthly"
) -> None:
    response = await client.post(
        "/api/v1/indicators",
        json={
            "code": code,
            "title": code,
            "value_type": "count",
            "polarity": "lower_is_better",
            "frequency": frequency,
            "org_unit_code": unit,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def _client_token(
    client: AsyncClient, admin: dict[str, str], scopes: list[str], units: list[str]
) -> dict[str, str]:
    created = await client.post(
        "/api/v1/api-clients",
        json={
            "name": f"Housing system {uuid.uuid4().hex[:6]}",
            "scopes": scopes,
            "org_unit_codes": units,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created.json()["client_id"],
            "client_secret": created.json()["client_secret"],
        },
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture
async def setting(client: AsyncClient, factory: Factory) -> dict[str, Any]:
    await factory.financial_year(2025)
    admin = await factory.headers(Role.ADMIN)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    codes = [f"H{n:03d}" for n in range(84)]
    for code in codes:
        await _indicator(client, perf, code, "HOU")
    await _indicator(client, perf, "W001", "WST")
    machine = await _client_token(client, admin, ["values:write"], ["HOU"])
    return {"admin": admin, "perf": perf, "machine": machine, "codes": codes}


def _csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["indicator_code,period,value,commentary"]
    lines += [f"{code},{period},{value},pushed" for code, period, value in rows]
    return ("\n".join(lines) + "\n").encode()


async def test_a_machine_client_pushes_a_thousand_row_csv_and_a_replay_stores_nothing_twice(
    client: AsyncClient, setting: dict[str, Any]
) -> None:
    rows = [
        (code, month, str(n % 50))
        for n, (code, month) in enumerate(
            (code, month) for code in setting["codes"] for month in MONTHS
        )
    ][:1000]
    body = _csv(rows)
    headers = {**setting["machine"], "Content-Type": "text/csv", "Idempotency-Key": "run-42"}

    first = await client.post(BATCH, content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["summary"] == {"created": 1000, "updated": 0, "unchanged": 0, "error": 0}
    assert [r["line"] for r in first.json()["results"][:2]] == [2, 3]

    replay = await client.post(BATCH, content=body, headers=headers)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"

    again = await client.post(
        BATCH, content=body, headers={**setting["machine"], "Content-Type": "text/csv"}
    )
    assert again.json()["summary"]["unchanged"] == 1000

    other = await client.post(BATCH, content=_csv(rows[:1]), headers={**headers})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"

    code, month, value = rows[0]
    stored = await client.get(f"/api/v1/indicators/{code}/values/{month}", headers=setting["perf"])
    assert stored.json()["value"] == int(value)
    assert stored.json()["status"] == "draft"
    events = await client.get(
        "/api/v1/audit-events",
        params={"entity_type": "indicator_value", "entity_id": f"{code}/{month}"},
        headers=setting["admin"],
    )
    assert [e["actor_kind"] for e in events.json()["items"]] == ["client"]
    assert (await client.get("/api/v1/audit-events/verify", headers=setting["admin"])).json()["ok"]


async def test_a_push_for_another_services_indicator_is_refused_and_stores_nothing(
    client: AsyncClient, setting: dict[str, Any]
) -> None:
    body = _csv([("H000", "2025-04", "3"), ("W001", "2025-04", "9")])
    response = await client.post(
        BATCH, content=body, headers={**setting["machine"], "Content-Type": "text/csv"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    [bad] = response.json()["results"]
    assert (bad["line"], bad["indicator_code"], bad["errors"][0]["type"]) == (
        3,
        "W001",
        "forbidden",
    )
    missing = await client.get("/api/v1/indicators/H000/values/2025-04", headers=setting["perf"])
    assert missing.status_code == 404


async def test_a_malformed_csv_names_each_bad_line_and_atomic_stores_nothing(
    client: AsyncClient, setting: dict[str, Any]
) -> None:
    body = (
        b"indicator_code,period,value\n"
        b"H000,2025-04,4\n"
        b"H001,2025-04,abc\n"
        b"NOPE,2025-04,1\n"
        b"H002,2025-26-Q1,1\n"
        b"H003,2025-05,1.5\n"
    )
    response = await client.post(
        BATCH, content=body, headers={**setting["perf"], "Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    lines = {r["line"]: r["errors"][0]["type"] for r in response.json()["results"]}
    assert lines == {
        3: "decimal_parsing",
        4: "not_found",
        5: "wrong_period_kind",
        6: "decimal_places",
    }
    assert (
        await client.get("/api/v1/indicators/H000/values/2025-04", headers=setting["perf"])
    ).status_code == 404

    partial = await client.post(
        BATCH + "?atomic=false",
        content=body,
        headers={**setting["perf"], "Content-Type": "text/csv"},
    )
    assert partial.status_code == 200
    assert partial.json()["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "error": 4}


async def test_a_csv_without_a_required_column_is_refused(
    client: AsyncClient, setting: dict[str, Any]
) -> None:
    response = await client.post(
        BATCH,
        content=b"indicator_code,value\nH000,1\n",
        headers={**setting["perf"], "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "period"]


async def test_a_json_push_submits_what_it_stores_and_updates_changed_figures(
    client: AsyncClient, setting: dict[str, Any]
) -> None:
    perf = setting["perf"]
    items = [
        {"indicator_code": "H000", "period": "2025-04", "value": 5, "quality_flags": ["estimated"]}
    ]
    first = await client.post(BATCH, json={"items": items, "submit": True}, headers=perf)
    assert first.status_code == 200, first.text
    assert first.json()["results"][0]["outcome"] == "created"
    value = (await client.get("/api/v1/indicators/H000/values/2025-04", headers=perf)).json()
    assert (value["status"], value["quality_flags"]) == ("submitted", ["estimated"])

    items[0]["value"] = 6
    second = await client.post(BATCH, json={"items": items}, headers=perf)
    assert second.json()["results"][0]["outcome"] == "updated"
    history = await client.get("/api/v1/indicators/H000/values/2025-04/history", headers=perf)
    assert [r["action"] for r in history.json()["items"]] == ["save", "submit", "save"]


async def test_bad_batches_are_answered_with_problem_json(
    client: AsyncClient, setting: dict[str, Any]
) -> None:
    perf = setting["perf"]
    malformed = await client.post(
        BATCH, content=b"{not json", headers={**perf, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    unknown = await client.post(BATCH, json={"items": [], "atomik": True}, headers=perf)
    assert unknown.status_code == 422
    wrong_type = await client.post(
        BATCH, content=b"a,b", headers={**perf, "Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    too_many = await client.post(
        BATCH,
        json={"items": [{"indicator_code": "H000", "period": "2025-04", "value": 1}] * 10_001},
        headers=perf,
    )
    assert too_many.status_code == 413
    anonymous = await client.post(BATCH, json={"items": []})
    assert anonymous.status_code == 401
    for response in (malformed, unknown, wrong_type, too_many, anonymous):
        assert response.headers["content-type"] == "application/problem+json"
