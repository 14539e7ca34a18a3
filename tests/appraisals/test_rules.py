"""The rules of personal objectives and reviews a person and their manager rely on: what an
objective may serve, who writes which part of a review, and line managers without loops."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.access.permissions import Role
from tests.appraisals.helpers import PLANS, YEAR, Team, ok, service_plan, set_manager
from tests.factories import Factory
from tests.helpers import API, HUGE, assert_invalid, assert_problem, audit_total, person

USERS = f"{API}/users"


def objectives_of(team: Team) -> str:
    return f"{USERS}/{team.staff.id}/objectives"


def reviews_of(team: Team) -> str:
    return f"{API}/personal-objectives/{team.personal['id']}/reviews"


# --- line managers -------------------------------------------------------------------------


async def test_an_admin_sets_and_clears_a_line_manager_and_lists_a_managers_reports(
    client: AsyncClient, team: Team
) -> None:
    reports = await client.get(
        USERS, params={"manager_id": str(team.hos.id)}, headers=team.admin.headers
    )
    cleared = await set_manager(client, team.admin.headers, team.staff, None)

    assert [u["id"] for u in reports.json()["items"]] == [str(team.staff.id)]
    assert cleared["manager_id"] is None
    after = await client.get(
        f"{API}/personal-objectives/{team.personal['id']}", headers=team.hos.headers
    )
    assert_problem(after, 404)  # no longer the manager: no longer sees it


async def test_a_new_user_can_be_created_with_a_line_manager(
    client: AsyncClient, team: Team
) -> None:
    created = await ok(
        await client.post(
            USERS,
            json={
                "email": "new.starter@council.gov.uk",
                "full_name": "New Starter",
                "manager_id": str(team.hos.id),
            },
            headers=team.admin.headers,
        )
    )

    assert created["manager_id"] == str(team.hos.id)


async def test_a_line_manager_who_cannot_be_one_is_422_and_changes_nothing(
    client: AsyncClient, factory: Factory, team: Team
) -> None:
    leaver = await person(factory, Role.STAFF, "HOU")
    await ok(
        await client.patch(
            f"{USERS}/{leaver.id}", json={"is_active": False}, headers=team.admin.headers
        ),
        200,
    )
    # The director manages the head of housing, who manages the staff member: the director
    # may not report to the staff member.
    cases = {
        "self": (team.hos.id, team.hos.id),
        "loop": (team.director.id, team.staff.id),
        "unknown": (team.hos.id, "00000000-0000-4000-8000-000000000000"),
        "inactive": (team.hos.id, leaver.id),
    }
    before = await audit_total(client, team.admin.headers)

    for subject, manager in cases.values():
        response = await client.patch(
            f"{USERS}/{subject}", json={"manager_id": str(manager)}, headers=team.admin.headers
        )

        assert_invalid(response, ["body", "manager_id"])
    assert await audit_total(client, team.admin.headers) == before


async def test_only_an_admin_sets_a_line_manager(client: AsyncClient, team: Team) -> None:
    response = await client.patch(
        f"{USERS}/{team.staff.id}",
        json={"manager_id": str(team.colleague.id)},
        headers=team.hos.headers,
    )

    assert_problem(response, 403)


# --- what a personal objective serves ------------------------------------------------------


async def test_a_team_member_serves_their_services_plan_and_the_link_shows_both_ways(
    client: AsyncClient, factory: Factory, team: Team
) -> None:
    officer = await person(factory, Role.STAFF, "HOU-OPT")

    created = await ok(
        await client.post(
            f"{USERS}/{officer.id}/objectives",
            json={
                "title": "Halve void days",
                "financial_year": YEAR,
                "serves_ids": [team.objective],
            },
            headers=officer.headers,
        )
    )
    served = await client.get(f"{API}/objectives/{team.objective}", headers=team.perf.headers)

    assert created["serves_ids"] == [team.objective]
    assert created["created_by_id"] == str(officer.id)
    assert served.json()["personal_objectives"] == {"count": 2, "reviewed": 1}


async def test_a_withdrawn_objective_no_longer_counts_towards_what_it_served(
    client: AsyncClient, team: Team
) -> None:
    await ok(
        await client.patch(
            f"{API}/personal-objectives/{team.personal['id']}",
            json={"status": "withdrawn"},
            headers=team.hos.headers,
        ),
        200,
    )

    served = await client.get(f"{API}/objectives/{team.objective}", headers=team.perf.headers)

    assert served.json()["personal_objectives"] == {"count": 0, "reviewed": 0}


async def _corporate_objective(client: AsyncClient, team: Team) -> str:
    plan = await ok(
        await client.post(
            PLANS,
            json={
                "kind": "corporate",
                "title": "Corporate Plan",
                "org_unit_code": "DBC",
                "start_year": 2024,
                "end_year": 2028,
            },
            headers=team.perf.headers,
        )
    )
    objective = await ok(
        await client.post(
            f"{PLANS}/{plan['id']}/objectives", json={"title": "Homes"}, headers=team.perf.headers
        )
    )
    return str(objective["id"])


async def test_serving_what_is_not_the_persons_service_plan_this_year_is_422(
    client: AsyncClient, team: Team
) -> None:
    wrong = {
        "corporate": await _corporate_objective(client, team),
        "other service": (await service_plan(client, team.perf.headers, "WST"))[1],
        "other year": (await service_plan(client, team.perf.headers, "HOU", start=2026, end=2027))[
            1
        ],
        "unknown": "00000000-0000-4000-8000-000000000000",
    }
    before = await audit_total(client, team.admin.headers)

    for served in wrong.values():
        response = await client.post(
            objectives_of(team),
            json={"title": "Serve the wrong thing", "financial_year": YEAR, "serves_ids": [served]},
            headers=team.hos.headers,
        )
        moved = await client.patch(
            f"{API}/personal-objectives/{team.personal['id']}",
            json={"serves_ids": [team.objective, served]},
            headers=team.hos.headers,
        )

        assert_invalid(response, ["body", "serves_ids"])
        assert_invalid(moved, ["body", "serves_ids"])
    assert await audit_total(client, team.admin.headers) == before


async def test_moving_an_objective_to_a_year_its_service_plan_does_not_cover_is_422(
    client: AsyncClient, team: Team
) -> None:
    response = await client.patch(
        f"{API}/personal-objectives/{team.personal['id']}",
        json={"financial_year": "2026-27"},
        headers=team.hos.headers,
    )

    assert_invalid(response, ["body", "serves_ids"])


# --- reviews -------------------------------------------------------------------------------


async def test_the_person_adds_their_own_comments_beside_the_managers(
    client: AsyncClient, team: Team
) -> None:
    review = f"{reviews_of(team)}/{team.review['id']}"

    own = await ok(
        await client.patch(review, json={"own_comments": "Agreed."}, headers=team.staff.headers),
        200,
    )
    listed = await client.get(reviews_of(team), headers=team.staff.headers)
    objective = await client.get(
        f"{API}/personal-objectives/{team.personal['id']}", headers=team.staff.headers
    )

    assert (own["rating"], own["comments"], own["own_comments"]) == ("met", "On track.", "Agreed.")
    assert own["reviewer_id"] == str(team.hos.id)
    assert own["own_comments_at"] is not None
    assert listed.json()["total"] == 1
    assert objective.json()["reviewed"] == ["mid_year"]


async def test_a_second_review_of_the_same_kind_is_409(client: AsyncClient, team: Team) -> None:
    response = await client.post(
        reviews_of(team),
        json={"kind": "mid_year", "rating": "exceeded"},
        headers=team.director.headers,
    )

    assert assert_problem(response, 409)["type"].endswith("review-exists")


async def test_a_stale_if_match_is_412_and_changes_nothing(client: AsyncClient, team: Team) -> None:
    response = await client.patch(
        f"{API}/personal-objectives/{team.personal['id']}",
        json={"progress": 90},
        headers={**team.staff.headers, "If-Match": '"99"'},
    )
    again = await client.get(
        f"{API}/personal-objectives/{team.personal['id']}", headers=team.staff.headers
    )

    assert_problem(response, 412)
    assert again.json()["progress"] == 0


INVALID: list[tuple[str, str, Any, str]] = [
    ("POST", "reviews", {"kind": "mid_year", "rating": "outstanding"}, "rating"),
    ("POST", "reviews", {"kind": "annual", "rating": "met"}, "kind"),
    ("POST", "reviews", {"kind": "end_of_year"}, "rating"),
    ("POST", "reviews", {"kind": "end_of_year", "rating": "met", "score": 5}, "score"),
    ("POST", "objectives", {"title": "x", "financial_year": "2025-26-Q1"}, "financial_year"),
    ("POST", "objectives", {"title": "x", "financial_year": "2025"}, "financial_year"),
    ("POST", "objectives", {"financial_year": YEAR}, "title"),
    (
        "POST",
        "objectives",
        {"title": "x", "financial_year": YEAR, "serves_ids": ["a"]},
        "serves_ids",
    ),
    ("POST", "objectives", {"title": "x", "financial_year": YEAR, "due_date": 0}, "due_date"),
    ("PATCH", "objective", {"progress": 101}, "progress"),
    ("PATCH", "objective", {"progress": True}, "progress"),
    ("PATCH", "objective", {"status": "done"}, "status"),
    ("PATCH", "objective", {"user_id": "someone"}, "user_id"),
]


async def test_an_invalid_body_is_422_naming_the_field_and_changes_nothing(
    client: AsyncClient, team: Team
) -> None:
    urls = {
        "reviews": reviews_of(team),
        "objectives": objectives_of(team),
        "objective": f"{API}/personal-objectives/{team.personal['id']}",
    }
    before = await audit_total(client, team.admin.headers)

    for method, target, body, field in INVALID:
        response = await client.request(method, urls[target], json=body, headers=team.hos.headers)

        assert_invalid(response, field)
    assert await audit_total(client, team.admin.headers) == before


async def test_an_oversized_review_is_413(client: AsyncClient, team: Team) -> None:
    response = await client.post(
        reviews_of(team),
        json={"kind": "end_of_year", "rating": "met", "comments": HUGE},
        headers=team.hos.headers,
    )

    assert_problem(response, 413)
