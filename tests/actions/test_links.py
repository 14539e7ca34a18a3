"""Actions properly linked: to a project or a recommendation, with an optional start date,
completed at 100%, and refused when the measure or the owner does not fit the org unit."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.actions.helpers import ACTIONS, PROJECTS, ok
from tests.factories import Factory
from tests.helpers import API, Council, assert_invalid, council, create_indicator

UNKNOWN = "7b0d7c1e-4c1e-4a55-9b1a-2f1f6c3c9d10"


def action(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Clear the repairs backlog",
        "org_unit_code": "HOU",
        "due_date": "2025-12-31",
        **overrides,
    }


async def total(client: AsyncClient, people: Council) -> int:
    found: int = ok(await client.get(ACTIONS, headers=people.admin.headers))["total"]
    return found


async def test_an_action_answers_a_project_and_a_recommendation(
    client: AsyncClient, factory: Factory
) -> None:
    people = await council(factory)
    project = ok(
        await client.post(
            PROJECTS,
            json={"code": "P1", "title": "New depot", "org_unit_code": "HOU"},
            headers=people.perf.headers,
        ),
        201,
    )
    rec = ok(
        await client.post(
            f"{API}/recommendations",
            json={
                "source": "review",
                "reference": "R-1",
                "title": "Plan the depot move",
                "priority": "medium",
                "org_unit_code": "HOU",
                "due_date": "2026-03-31",
            },
            headers=people.perf.headers,
        ),
        201,
    )

    created = ok(
        await client.post(
            ACTIONS,
            json=action(project_id=project["id"], recommendation_id=rec["id"]),
            headers=people.hos.headers,
        ),
        201,
    )
    by_project = ok(
        await client.get(ACTIONS, params={"project_id": project["id"]}, headers=people.hos.headers)
    )
    unknown_project = await client.post(
        ACTIONS, json=action(project_id=UNKNOWN), headers=people.hos.headers
    )
    unknown_rec = await client.post(
        ACTIONS, json=action(recommendation_id=UNKNOWN), headers=people.hos.headers
    )

    assert (created["project_id"], created["recommendation_id"]) == (project["id"], rec["id"])
    assert [item["id"] for item in by_project["items"]] == [created["id"]]
    assert_invalid(unknown_project, "project_id")
    assert_invalid(unknown_rec, "recommendation_id")
    assert await total(client, people) == 1


async def test_without_a_start_date_the_rag_runs_from_the_day_it_was_added(
    client: AsyncClient, factory: Factory
) -> None:
    people = await council(factory)

    created = ok(await client.post(ACTIONS, json=action(), headers=people.hos.headers), 201)

    # Added today (2025-07-01): none of its time is gone yet, so nothing is expected yet.
    assert created["start_date"] is None
    assert (created["expected_percent"], created["rag"], created["overdue"]) == (0, "green", False)


async def test_reaching_100_percent_completes_the_action_and_100_in_progress_is_422(
    client: AsyncClient, factory: Factory
) -> None:
    people = await council(factory)
    created = ok(
        await client.post(
            ACTIONS,
            json=action(start_date="2025-04-01", due_date="2025-06-30"),
            headers=people.hos.headers,
        ),
        201,
    )
    assert created["overdue"] is True

    contradictory = await client.post(
        f"{ACTIONS}/{created['id']}/updates",
        json={"note": "All done", "percent_complete": 100, "status": "in_progress"},
        headers=people.hos.headers,
    )
    assert_invalid(contradictory, "status")
    done = await client.post(
        f"{ACTIONS}/{created['id']}/updates",
        json={"note": "All done", "percent_complete": 100},
        headers=people.hos.headers,
    )
    ok(done, 201)
    read = ok(await client.get(f"{ACTIONS}/{created['id']}", headers=people.hos.headers))

    assert (read["status"], read["percent_complete"], read["overdue"]) == ("completed", 100, False)
    assert read["completed_date"] == "2025-07-01"
    patched = await client.patch(
        f"{ACTIONS}/{created['id']}",
        json={"status": "in_progress"},
        headers=people.hos.headers,
    )
    assert_invalid(patched, "status")


async def test_a_measure_or_an_owner_outside_the_org_unit_or_a_councillor_owner_is_422(
    client: AsyncClient, factory: Factory
) -> None:
    people = await council(factory)
    await factory.financial_year(2025)
    await create_indicator(client, people.perf.headers, "WS01", org_unit_code="WST")
    await create_indicator(client, people.perf.headers, "HS01", org_unit_code="HOU")

    answers = {
        "indicator_code": await client.post(
            ACTIONS,
            json=action(indicator_code="WS01", period="2025-26-Q1"),
            headers=people.perf.headers,
        ),
        "owner_id": await client.post(
            ACTIONS, json=action(owner_id=str(people.councillor.id)), headers=people.hos.headers
        ),
    }
    moved = ok(
        await client.post(
            ACTIONS,
            json=action(indicator_code="HS01", period="2025-26-Q1", owner_id=str(people.staff.id)),
            headers=people.perf.headers,
        ),
        201,
    )
    to_waste = await client.patch(
        f"{ACTIONS}/{moved['id']}", json={"org_unit_code": "WST"}, headers=people.perf.headers
    )

    for field, response in answers.items():
        assert_invalid(response, field)
    assert_invalid(to_waste, "indicator_code")
    assert await total(client, people) == 1
