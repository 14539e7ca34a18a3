"""POST/GET /indicators/{code}/values/{period}/verification: auditors' verdicts on values."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient, Response

from app.access.permissions import Role
from tests.cycle.helpers import approve, audit_events, save, step
from tests.factories import Factory
from tests.helpers import (
    API,
    ONE_MIB,
    Headers,
    assert_invalid,
    assert_problem,
    assert_unauthenticated,
    create_indicator,
    person,
)

Q1 = "2025-26-Q1"
VERIFICATION = f"{API}/indicators/VF1/values/{Q1}/verification"


class People:
    def __init__(self, perf: Headers, approver: Headers, auditor: Headers) -> None:
        self.perf = perf
        self.approver = approver
        self.auditor = auditor


@pytest.fixture
async def people(client: AsyncClient, factory: Factory) -> People:
    """VF1 with an approved Q1 value, and the people who deal with it."""
    await factory.financial_year(2025)
    found = People(
        await factory.headers(Role.PERFORMANCE_TEAM),
        await factory.headers(Role.PERFORMANCE_TEAM),
        await factory.headers(Role.AUDITOR),
    )
    await create_indicator(client, found.perf, "VF1")
    await approve(client, found.perf, found.approver, "VF1", Q1, value=81.5)
    return found


async def verify(
    client: AsyncClient, headers: Headers, verdict: str, note: str | None = None
) -> Response:
    body: dict[str, Any] = {"verdict": verdict}
    if note is not None:
        body["note"] = note
    return await client.post(VERIFICATION, json=body, headers=headers)


async def verdicts(client: AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    response = await client.get(VERIFICATION, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


async def test_an_auditor_marks_a_value_verified_with_a_note(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    approver = await factory.headers(Role.PERFORMANCE_TEAM)
    auditor_id = await factory.user(
        Role.AUDITOR, email="a.auditor@council.gov.uk", full_name="Aisha Khan"
    )
    auditor = {"Authorization": f"Bearer {factory.token_for(auditor_id)}"}
    await create_indicator(client, perf, "VF1")
    await approve(client, perf, approver, "VF1", Q1, value=81.5)

    response = await verify(client, auditor, "verified", "Traced to the rent ledger")

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["indicator_code"] == "VF1"
    assert body["period"] == Q1
    assert body["verdict"] == "verified"
    assert body["note"] == "Traced to the rent ledger"
    assert body["current"] is True
    assert body["by_id"] == str(auditor_id)
    assert body["by_name"] == "Aisha Khan"
    assert body["at"].endswith("Z") or body["at"].endswith("+00:00")


async def test_verdicts_are_listed_newest_first_and_the_latest_is_current(
    client: AsyncClient, people: People
) -> None:
    first = await verify(client, people.auditor, "queried", "Where is the evidence?")
    second = await verify(client, people.auditor, "verified", "Evidence received")
    assert first.status_code == second.status_code == 201

    found = await verdicts(client, people.auditor)

    assert [v["id"] for v in found] == [second.json()["id"], first.json()["id"]]
    assert [v["verdict"] for v in found] == ["verified", "queried"]
    assert all(v["current"] for v in found)


async def test_a_verdict_stops_being_current_once_the_value_is_revised(
    client: AsyncClient, people: People
) -> None:
    assert (await verify(client, people.auditor, "verified")).status_code == 201

    await save(client, people.perf, "VF1", Q1, value=79)
    found = await verdicts(client, people.auditor)

    assert len(found) == 1
    assert found[0]["current"] is False
    newer = await verify(client, people.auditor, "verified", "Rechecked the revision")
    assert newer.json()["current"] is True
    assert [v["current"] for v in await verdicts(client, people.auditor)] == [True, False]


async def test_approving_the_figure_an_auditor_verified_keeps_the_verdict_current(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    approver = await factory.headers(Role.PERFORMANCE_TEAM)
    auditor = await factory.headers(Role.AUDITOR)
    await create_indicator(client, perf, "VF1")
    await save(client, perf, "VF1", Q1, value=81.5)
    await step(client, perf, "VF1", Q1, "submit")
    assert (await verify(client, auditor, "verified", "Checked before approval")).status_code == 201

    await step(client, approver, "VF1", Q1, "approve")

    assert [v["current"] for v in await verdicts(client, auditor)] == [True]


async def test_a_queried_value_shows_up_as_a_data_quality_issue(
    client: AsyncClient, people: People
) -> None:
    assert (await verify(client, people.auditor, "queried", "Figure looks high")).status_code == 201

    response = await client.get(
        f"{API}/data-quality/issues",
        params={"period": Q1, "type": "queried_value"},
        headers=people.auditor,
    )

    assert response.status_code == 200, response.text
    assert [(i["indicator_code"], i["period"]) for i in response.json()["items"]] == [("VF1", Q1)]
    assert "Figure looks high" in response.json()["items"][0]["detail"]


async def test_a_later_verified_verdict_clears_the_query(
    client: AsyncClient, people: People
) -> None:
    assert (await verify(client, people.auditor, "queried")).status_code == 201
    assert (await verify(client, people.auditor, "verified")).status_code == 201

    response = await client.get(
        f"{API}/data-quality/issues",
        params={"period": Q1, "type": "queried_value"},
        headers=people.auditor,
    )

    assert response.json()["items"] == []


async def test_the_performance_team_may_read_verdicts_but_not_give_them(
    client: AsyncClient, people: People
) -> None:
    assert (await verify(client, people.auditor, "verified")).status_code == 201

    refused = await verify(client, people.perf, "verified")

    assert_problem(refused, 403)
    assert len(await verdicts(client, people.perf)) == 1


@pytest.mark.parametrize(("role", "unit"), [(Role.STAFF, "HOU"), (Role.COUNCILLOR, None)])
async def test_other_roles_may_neither_give_nor_read_verdicts(
    client: AsyncClient, people: People, factory: Factory, role: Role, unit: str | None
) -> None:
    headers = await factory.headers(role, unit)

    assert_problem(await verify(client, headers, "verified"), 403)
    assert_problem(await client.get(VERIFICATION, headers=headers), 403)


async def test_verification_needs_a_signed_in_caller(client: AsyncClient, people: People) -> None:
    assert_unauthenticated(await client.post(VERIFICATION, json={"verdict": "verified"}))
    assert_unauthenticated(await client.get(VERIFICATION))


async def test_verifying_a_value_that_does_not_exist_is_404(
    client: AsyncClient, people: People
) -> None:
    for path in (
        f"{API}/indicators/VF1/values/2025-26-Q2/verification",  # no value entered
        f"{API}/indicators/NOPE/values/{Q1}/verification",
        f"{API}/indicators/VF1/values/2031-32-Q1/verification",
    ):
        assert_problem(
            await client.post(path, json={"verdict": "verified"}, headers=people.auditor), 404
        )
        assert_problem(await client.get(path, headers=people.auditor), 404)


async def test_an_unknown_verdict_is_422(client: AsyncClient, people: People) -> None:
    for verdict in ("approved", "", 1):
        response = await client.post(
            VERIFICATION, json={"verdict": verdict}, headers=people.auditor
        )
        assert_invalid(response, "verdict")


async def test_an_unknown_field_is_422(client: AsyncClient, people: People) -> None:
    response = await client.post(
        VERIFICATION, json={"verdict": "verified", "notes": "typo"}, headers=people.auditor
    )

    assert_invalid(response, "notes")
    assert await verdicts(client, people.auditor) == []


async def test_a_missing_verdict_and_an_overlong_note_are_422(
    client: AsyncClient, people: People
) -> None:
    assert_invalid(
        await client.post(VERIFICATION, json={"note": "x"}, headers=people.auditor), "verdict"
    )
    assert_invalid(await verify(client, people.auditor, "verified", "x" * 10_001), "note")


async def test_an_oversized_body_is_413(client: AsyncClient, people: People) -> None:
    response = await verify(client, people.auditor, "verified", "x" * (ONE_MIB + 1))

    # Only the status: the answer is text/plain, not problem+json, a bug of the shared body
    # limit that tests/core/test_http.py already pins down.
    assert response.status_code == 413
    assert await verdicts(client, people.auditor) == []


async def test_a_verdict_is_audited(client: AsyncClient, factory: Factory) -> None:
    await factory.financial_year(2025)
    perf = await factory.headers(Role.PERFORMANCE_TEAM)
    approver = await factory.headers(Role.PERFORMANCE_TEAM)
    auditor = await person(factory, Role.AUDITOR)
    await create_indicator(client, perf, "VF1")
    await approve(client, perf, approver, "VF1", Q1, value=81.5)

    created = await verify(client, auditor.headers, "queried", "Source not attached")
    assert created.status_code == 201
    events = await audit_events(
        client, auditor.headers, entity_type="indicator_value", entity_id=f"VF1/{Q1}"
    )

    [event] = [e for e in events if e["action"] == "value_queried"]
    assert event["actor_id"] == str(auditor.id)
    assert event["reason"] == "Source not attached"
    assert event["after"]["verdict"] == "queried"
    assert event["after"]["id"] == created.json()["id"]
