"""The reporting-cycle issue's acceptance path: lateness, locking, lost updates, tampering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.permissions import Role
from app.core import clock
from tests.factories import Factory


@pytest.fixture
def frozen_after_due_date() -> Iterator[None]:
    # 2025-26-Q1 ends 2025-06-30 and is due 2025-07-14.
    clock.freeze(datetime(2025, 7, 20, 9, 0, tzinfo=UTC))
    yield
    clock.freeze(None)


async def _indicator(client: AsyncClient, headers: dict[str, str], code: str) -> None:
    response = await client.post(
        "/api/v1/indicators",
        json={
            "code": code,
            "title": "Rent collected",
            "value_type": "percentage",
            "decimal_places": 1,
            "polarity": "higher_is_better",
            "frequency": "quarterly",
            "org_unit_code": "HOU",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def test_a_value_entered_after_its_due_date_is_reported_late(
    client: AsyncClient, factory: Factory, frozen_after_due_date: None
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    head = await factory.headers(Role.HEAD_OF_SERVICE, "HOU")
    auditor = await factory.headers(Role.AUDITOR)
    await _indicator(client, perf, "RC01")
    await client.put(
        "/api/v1/indicators/RC01/values/2025-26-Q1", json={"value": 97.2}, headers=head
    )
    submitted = await client.post("/api/v1/indicators/RC01/values/2025-26-Q1/submit", headers=head)
    assert submitted.json()["is_late"] is True

    issues = await client.get(
        "/api/v1/data-quality/issues",
        params={"period": "2025-26-Q1", "type": "late_submission"},
        headers=auditor,
    )
    assert issues.status_code == 200, issues.text
    assert [(i["indicator_code"], i["period"]) for i in issues.json()["items"]] == [
        ("RC01", "2025-26-Q1")
    ]
    summary = (
        await client.get("/api/v1/data-quality/summary?period=2025-26-Q1", headers=auditor)
    ).json()
    assert summary["issues"]["late_submission"] == 1
    assert summary["issues"]["unapproved_value"] == 1


async def test_a_closed_period_refuses_a_value_change_with_409(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await _indicator(client, perf, "RC02")
    assert (
        await client.put(
            "/api/v1/indicators/RC02/values/2025-26-Q1", json={"value": 90}, headers=perf
        )
    ).status_code == 201
    # A draft is outstanding: the close is forced, with a reason.
    closed = await client.post(
        "/api/v1/periods/2025-26-Q1/close",
        json={"force": True, "reason": "Year-end timetable"},
        headers=perf,
    )
    assert closed.status_code == 200, closed.text

    response = await client.put(
        "/api/v1/indicators/RC02/values/2025-26-Q1", json={"value": 91}, headers=perf
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "2025-26-Q1" in response.json()["detail"]
    target = await client.put(
        "/api/v1/indicators/RC02/targets/2025-26-Q1", json={"value": 95}, headers=perf
    )
    assert target.status_code == 409


async def test_a_stale_if_match_is_412_and_changes_nothing(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    await _indicator(client, perf, "RC03")
    first = await client.put(
        "/api/v1/indicators/RC03/values/2025-26-Q1", json={"value": 90}, headers=perf
    )
    etag = first.headers["etag"]
    second = await client.put(
        "/api/v1/indicators/RC03/values/2025-26-Q1",
        json={"value": 91},
        headers={**perf, "If-Match": etag},
    )
    assert second.status_code == 200
    stale = await client.put(
        "/api/v1/indicators/RC03/values/2025-26-Q1",
        json={"value": 92},
        headers={**perf, "If-Match": etag},
    )
    assert stale.status_code == 412
    current = await client.get("/api/v1/indicators/RC03/values/2025-26-Q1", headers=perf)
    assert current.json()["value"] == 91


async def test_verify_names_the_audit_event_altered_in_the_database(
    client: AsyncClient, factory: Factory, connection: AsyncConnection, is_postgres: bool
) -> None:
    admin = await factory.headers(Role.ADMIN)
    for code in ("ZZ1", "ZZ2", "ZZ3"):
        response = await client.post(
            "/api/v1/org-units",
            json={"code": code, "name": code, "kind": "directorate", "parent_code": "DBC"},
            headers=admin,
        )
        assert response.status_code == 201
    verify = await client.get("/api/v1/audit-events/verify", headers=admin)
    assert verify.json()["ok"] is True

    events = (
        await client.get(
            "/api/v1/audit-events",
            params={"entity_type": "org_unit", "entity_id": "ZZ2"},
            headers=admin,
        )
    ).json()["items"]
    altered = events[0]["id"]
    if is_postgres:
        with pytest.raises(Exception, match="append-only"):
            async with connection.begin_nested():
                await connection.execute(
                    text("UPDATE audit_event SET actor_name = 'someone else' WHERE id = :id"),
                    {"id": altered},
                )
        await connection.execute(
            text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        )
    await connection.execute(
        text("UPDATE audit_event SET actor_name = 'someone else' WHERE id = :id"), {"id": altered}
    )

    verify = await client.get("/api/v1/audit-events/verify", headers=admin)
    result = verify.json()
    assert (result["ok"], result["first_bad_id"]) == (False, altered)
