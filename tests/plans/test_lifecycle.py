"""A plan's lifecycle: draft -> submitted -> approved -> archived; its author never approves it;
an approved plan is frozen, its next version a draft, and the approved version stays as it was."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, Council, assert_problem, council, person

PLANS = f"{API}/plans"


def items(body: Any) -> list[Any]:
    """A list answer, bare or in the paged envelope."""
    return list(body["items"] if isinstance(body, dict) else body)


@pytest.fixture
async def people(factory: Factory) -> Council:
    await factory.financial_year(2025)
    return await council(factory)


async def _post(client: AsyncClient, url: str, headers: dict[str, str], **body: Any) -> Any:
    response = await client.post(url, json=body or None, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_a_service_plan_through_its_lifecycle_and_its_approved_version_kept(
    client: AsyncClient, people: Council, factory: Factory
) -> None:
    # The director of People writes Housing's plan: another director over it approves.
    author = people.director
    plan = await _post(
        client,
        PLANS,
        author.headers,
        kind="service",
        title="Housing 2025-26",
        org_unit_code="HOU",
        financial_year="2025-26",
        owner_id=str(people.hos.id),
    )
    assert (plan["status"], plan["financial_year"], plan["start_year"], plan["end_year"]) == (
        "draft",
        "2025-26",
        2025,
        2025,
    )
    objective = await _post(
        client, f"{PLANS}/{plan['id']}/objectives", author.headers, code="H1", title="Homes"
    )
    submitted = await _post(client, f"{PLANS}/{plan['id']}/submit", author.headers)
    assert (submitted["status"], submitted["submitted_by_id"]) == ("submitted", str(author.id))

    # The author, the owner, and people who are no director over Housing may not approve.
    for who in (author, people.hos, people.perf, people.staff):
        assert_problem(await client.post(f"{PLANS}/{plan['id']}/approve", headers=who.headers), 403)
    approver = await person(factory, Role.DIRECTOR, "PEO")
    approved = await _post(client, f"{PLANS}/{plan['id']}/approve", approver.headers)
    assert (approved["status"], approved["approved_by_id"]) == ("approved", str(approver.id))

    # Frozen: changing it or its objectives is 409, pointing at its versions.
    for method, url, body in (
        ("PATCH", f"{PLANS}/{plan['id']}", {"title": "Changed"}),
        ("PATCH", f"{API}/objectives/{objective['id']}", {"title": "Changed"}),
        ("POST", f"{PLANS}/{plan['id']}/objectives", {"title": "New"}),
    ):
        problem = assert_problem(
            await client.request(method, url, json=body, headers=author.headers), 409
        )
        assert problem["versions"] == f"/api/v1/plans/{plan['id']}/versions"

    # The next version is a draft to edit; version 1 stays exactly as approved.
    started = await _post(client, f"{PLANS}/{plan['id']}/versions", author.headers)
    assert (started["number"], started["status"], started["current"]) == (2, "draft", True)
    edited = await client.patch(
        f"{API}/objectives/{objective['id']}", json={"title": "More homes"}, headers=author.headers
    )
    assert edited.status_code == 200, edited.text
    await _post(client, f"{PLANS}/{plan['id']}/objectives", author.headers, title="Fewer voids")

    first = (
        await client.get(f"{PLANS}/{plan['id']}/versions/1", headers=people.councillor.headers)
    ).json()
    assert (first["number"], first["status"], first["current"]) == (1, "approved", False)
    assert first["plan"]["status"] == "approved"
    assert [o["title"] for o in first["objectives"]] == ["Homes"]
    second = (await client.get(f"{PLANS}/{plan['id']}/versions/2", headers=author.headers)).json()
    assert sorted(o["title"] for o in second["objectives"]) == ["Fewer voids", "More homes"]
    listed = (await client.get(f"{PLANS}/{plan['id']}/versions", headers=author.headers)).json()
    assert [(v["number"], v["status"]) for v in listed["items"]] == [(2, "draft"), (1, "approved")]
    assert listed["total"] == 2
    assert_problem(
        await client.get(f"{PLANS}/{plan['id']}/versions/3", headers=author.headers), 404
    )

    # Version 2 approved, then archived when its year is over.
    await _post(client, f"{PLANS}/{plan['id']}/submit", author.headers)
    await _post(client, f"{PLANS}/{plan['id']}/approve", approver.headers)
    archived = await _post(client, f"{PLANS}/{plan['id']}/archive", author.headers)
    assert (archived["status"], archived["version_number"]) == ("archived", 2)
    kept = (await client.get(f"{PLANS}/{plan['id']}/versions/2", headers=author.headers)).json()
    assert sorted(o["title"] for o in kept["objectives"]) == ["Fewer voids", "More homes"]


async def test_the_corporate_plan_is_approved_by_the_performance_team_not_its_author(
    client: AsyncClient, people: Council, factory: Factory
) -> None:
    plan = await _post(
        client,
        PLANS,
        people.perf.headers,
        kind="corporate",
        title="Corporate Plan",
        org_unit_code="DBC",
        start_year=2025,
        end_year=2028,
    )
    assert plan["financial_year"] is None
    await _post(client, f"{PLANS}/{plan['id']}/submit", people.perf.headers)

    assert_problem(
        await client.post(f"{PLANS}/{plan['id']}/approve", headers=people.perf.headers), 403
    )
    assert_problem(
        await client.post(f"{PLANS}/{plan['id']}/approve", headers=people.director.headers), 403
    )
    colleague = await person(factory, Role.PERFORMANCE_TEAM)
    approved = await _post(client, f"{PLANS}/{plan['id']}/approve", colleague.headers)

    assert approved["status"] == "approved"


async def test_a_step_out_of_order_is_409(client: AsyncClient, people: Council) -> None:
    plan = await _post(
        client,
        PLANS,
        people.perf.headers,
        kind="service",
        title="Waste",
        org_unit_code="WST",
        financial_year="2025-26",
    )
    for step in ("approve", "archive", "versions"):
        assert_problem(
            await client.post(f"{PLANS}/{plan['id']}/{step}", headers=people.admin.headers), 409
        )
    await _post(client, f"{PLANS}/{plan['id']}/submit", people.perf.headers)
    assert_problem(
        await client.post(f"{PLANS}/{plan['id']}/submit", headers=people.perf.headers), 409
    )
    # Status changes only through the steps.
    assert_problem(
        await client.patch(
            f"{PLANS}/{plan['id']}", json={"status": "approved"}, headers=people.perf.headers
        ),
        422,
    )
    # Scope: a head of another service may not submit, a councillor may not write at all.
    assert_problem(
        await client.post(f"{PLANS}/{plan['id']}/archive", headers=people.hos.headers), 403
    )
    assert_problem(await client.post(f"{PLANS}/{plan['id']}/submit"), 401)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "corporate", "title": "C", "org_unit_code": "DBC", "financial_year": "2025-26"},
        {"kind": "corporate", "title": "C", "org_unit_code": "DBC", "start_year": 2025},
        {"kind": "service", "title": "S", "org_unit_code": "HOU"},
        {"kind": "service", "title": "S", "org_unit_code": "HOU", "financial_year": "2025-27"},
        {
            "kind": "service",
            "title": "S",
            "org_unit_code": "HOU",
            "financial_year": "2025-26",
            "start_year": 2024,
        },
    ],
)
async def test_a_plan_without_sensible_years_is_422(
    client: AsyncClient, people: Council, body: dict[str, Any]
) -> None:
    assert_problem(await client.post(PLANS, json=body, headers=people.perf.headers), 422)


async def test_changing_a_submitted_plan_takes_it_back_to_draft_until_submitted_again(
    client: AsyncClient, people: Council, factory: Factory
) -> None:
    author = people.director
    plan = await _post(
        client,
        PLANS,
        author.headers,
        kind="service",
        title="Housing 2025-26",
        org_unit_code="HOU",
        financial_year="2025-26",
    )
    objective = await _post(
        client, f"{PLANS}/{plan['id']}/objectives", author.headers, code="H1", title="Homes"
    )
    approver = await person(factory, Role.DIRECTOR, "PEO")
    url = f"{PLANS}/{plan['id']}"
    for method, change_url, body in (
        ("PATCH", url, {"title": "Housing 2025-26 (revised)"}),
        ("PATCH", f"{API}/objectives/{objective['id']}", {"title": "More homes"}),
        ("POST", f"{url}/objectives", {"title": "Fewer voids"}),
    ):
        await _post(client, f"{url}/submit", author.headers)
        changed = await client.request(method, change_url, json=body, headers=author.headers)
        assert changed.status_code in (200, 201), changed.text
        reread = (await client.get(url, headers=author.headers)).json()
        assert (reread["status"], reread["submitted_by_id"]) == ("draft", None)
        # What the approver would approve is no longer what was put forward.
        assert_problem(await client.post(f"{url}/approve", headers=approver.headers), 409)

    await _post(client, f"{url}/submit", author.headers)
    approved = await _post(client, f"{url}/approve", approver.headers)
    assert approved["title"] == "Housing 2025-26 (revised)"
    first = (await client.get(f"{url}/versions/1", headers=author.headers)).json()
    assert sorted(o["title"] for o in first["objectives"]) == ["Fewer voids", "More homes"]
    trail = (
        await client.get(
            f"{API}/audit-events",
            params={"entity_type": "plan", "entity_id": plan["id"], "action": "return_to_draft"},
            headers=people.auditor.headers,
        )
    ).json()
    assert trail["total"] == 3
