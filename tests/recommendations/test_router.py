"""The recommendations register: actions answer a recommendation, which is implemented only by
someone with the right once they are all done; overdue high-priority ones are called out."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.actions.helpers import ACTIONS, ok
from tests.factories import Factory
from tests.helpers import API, Council, Headers, assert_invalid, assert_problem, person

RECOMMENDATIONS = f"{API}/recommendations"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "source": "internal_audit",
        "reference": "IA-2025-07 R1",
        "title": "Evidence every housing figure before it is approved",
        "priority": "high",
        "org_unit_code": "HOU",
        "received_date": "2025-05-12",
        "due_date": "2025-09-30",
        **overrides,
    }


async def create(client: AsyncClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    return ok(await client.post(RECOMMENDATIONS, json=body(**overrides), headers=headers), 201)


async def answer(client: AsyncClient, headers: Headers, recommendation_id: str, title: str) -> str:
    action = {
        "title": title,
        "org_unit_code": "HOU",
        "due_date": "2025-09-30",
        "recommendation_id": recommendation_id,
    }
    action_id: str = ok(await client.post(ACTIONS, json=action, headers=headers), 201)["id"]
    return action_id


async def implement(client: AsyncClient, headers: Headers, recommendation_id: str) -> Any:
    return await client.patch(
        f"{RECOMMENDATIONS}/{recommendation_id}", json={"status": "implemented"}, headers=headers
    )


async def test_a_recommendation_with_two_actions_is_implemented_only_once_both_are_done(
    client: AsyncClient, people: Council
) -> None:
    rec = await create(client, people.perf.headers)
    first = await answer(client, people.hos.headers, rec["id"], "Add an evidence field")
    second = await answer(client, people.hos.headers, rec["id"], "Train the approvers")
    read = ok(await client.get(f"{RECOMMENDATIONS}/{rec['id']}", headers=people.councillor.headers))
    assert (set(read["action_ids"]), read["actions_open"]) == ({first, second}, 2)

    refused = await implement(client, people.perf.headers, rec["id"])
    problem = assert_problem(refused, 409)
    assert {a["id"] for a in problem["open_actions"]} == {first, second}

    done = {"note": "Field added", "percent_complete": 100}
    ok(await client.post(f"{ACTIONS}/{first}/updates", json=done, headers=people.hos.headers), 201)
    still = assert_problem(await implement(client, people.perf.headers, rec["id"]), 409)
    assert [a["id"] for a in still["open_actions"]] == [second]
    unchanged = ok(await client.get(f"{RECOMMENDATIONS}/{rec['id']}", headers=people.perf.headers))
    assert (unchanged["status"], unchanged["actions_open"]) == ("open", 1)

    ok(await client.post(f"{ACTIONS}/{second}/updates", json=done, headers=people.hos.headers), 201)
    implemented = ok(await implement(client, people.perf.headers, rec["id"]))

    assert implemented["status"] == "implemented"
    assert implemented["implemented_by_id"] == str(people.perf.id)
    assert implemented["implemented_date"] == "2025-07-01"
    assert implemented["actions_open"] == 0


async def test_only_the_performance_team_an_admin_or_a_director_in_scope_implements(
    client: AsyncClient, people: Council, factory: Factory
) -> None:
    rec = await create(client, people.perf.headers)
    other_director = await person(factory, Role.DIRECTOR, "PLA")

    by_head = await implement(client, people.hos.headers, rec["id"])
    by_other_director = await implement(client, other_director.headers, rec["id"])
    by_auditor = await implement(client, people.auditor.headers, rec["id"])

    for response in (by_head, by_other_director, by_auditor):
        assert_problem(response, 403)
    assert ok(await implement(client, people.director.headers, rec["id"]))["status"] == (
        "implemented"
    )
    # Taking it back needs the same right.
    reopened = await client.patch(
        f"{RECOMMENDATIONS}/{rec['id']}", json={"status": "open"}, headers=people.hos.headers
    )
    assert_problem(reopened, 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"source": "gossip"}, "source"),
        ({"due_date": "soon"}, "due_date"),
        ({"status": "implemented"}, "status"),
        ({"owner_id": "7b0d7c1e-4c1e-4a55-9b1a-2f1f6c3c9d10"}, "owner_id"),
        ({"org_unit_code": "NOPE"}, "org_unit_code"),
        ({"rating": "high"}, "rating"),
    ],
)
async def test_bad_input_is_422_and_nothing_is_recorded(
    client: AsyncClient, people: Council, change: dict[str, Any], field: str
) -> None:
    response = await client.post(RECOMMENDATIONS, json=body(**change), headers=people.perf.headers)

    assert_invalid(response, field)
    assert ok(await client.get(RECOMMENDATIONS, headers=people.perf.headers))["total"] == 0


async def test_a_reference_is_used_once(client: AsyncClient, people: Council) -> None:
    await create(client, people.perf.headers)

    assert_problem(
        await client.post(RECOMMENDATIONS, json=body(), headers=people.perf.headers), 409
    )


async def test_overdue_high_priority_recommendations_are_in_the_exceptions_and_assurance_views(
    client: AsyncClient, people: Council
) -> None:
    overdue = await create(client, people.perf.headers, reference="IA-1", due_date="2025-06-30")
    await create(
        client, people.perf.headers, reference="IA-2", due_date="2025-06-30", priority="low"
    )
    await create(client, people.perf.headers, reference="IA-3", due_date="2025-07-01")
    await create(
        client,
        people.perf.headers,
        reference="OFSTED-4",
        source="external_inspection",
        due_date="2025-05-01",
        status="not_accepted",
    )
    await create(
        client, people.perf.headers, reference="IA-5", org_unit_code="WST", due_date="2025-06-01"
    )

    exceptions = ok(
        await client.get(
            f"{API}/reports/exceptions",
            params={"period": "2025-26-Q1", "org_unit": "PEO"},
            headers=people.perf.headers,
        )
    )
    summary = ok(
        await client.get(
            f"{API}/data-quality/summary",
            params={"period": "2025-26-Q1", "org_unit": "HOU"},
            headers=people.auditor.headers,
        )
    )
    listed = ok(
        await client.get(
            RECOMMENDATIONS, params={"overdue": True, "page_size": 10}, headers=people.hos.headers
        )
    )

    assert [r["reference"] for r in exceptions["overdue_recommendations"]] == ["IA-1"]
    assert [r["id"] for r in summary["overdue_recommendations"]] == [overdue["id"]]
    assert [r["reference"] for r in listed["items"]] == ["IA-5", "IA-1", "IA-2"]
    assert listed["total"] == 3


async def test_the_owners_line_manager_may_implement_it(
    client: AsyncClient, people: Council
) -> None:
    managed = await client.patch(
        f"{API}/users/{people.staff.id}",
        json={"manager_id": str(people.hos.id)},
        headers=people.admin.headers,
    )
    assert managed.status_code == 200, managed.text
    rec = await create(client, people.perf.headers, owner_id=str(people.staff.id))

    implemented = await implement(client, people.hos.headers, rec["id"])

    assert ok(implemented)["implemented_by_id"] == str(people.hos.id)
