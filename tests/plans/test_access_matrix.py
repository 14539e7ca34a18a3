"""Who may read and change plans and their objectives, and what a bad request gets back.

Every endpoint of /plans, /plans/{id}/objectives, /plans/{id}/tree and /objectives/{id}, tried
anonymous (401), by someone lacking the permission or out of scope (403), on an id that is not
there (404), with bodies that are wrong (422), and by the people allowed (2xx).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Factory
from tests.helpers import (
    API,
    HUGE,
    Council,
    Person,
    answer_and_audit,
    assert_invalid,
    assert_problem,
    assert_unauthenticated,
    audit_total,
    council,
)

PLANS = f"{API}/plans"
PERIOD = "2025-26-Q1"
PLAN_BODY: dict[str, Any] = {
    "kind": "service",
    "title": "Housing Service Plan 2025-26",
    "org_unit_code": "HOU",
    "start_year": 2025,
    "end_year": 2026,
    "themes": ["Homes"],
}
OBJECTIVE_BODY: dict[str, Any] = {"title": "Fewer families in temporary accommodation"}

# (method, path, body, status when allowed); {plan} and {objective} are filled in per test.
Endpoint = tuple[str, str, dict[str, Any] | None, int]
READS: list[Endpoint] = [
    ("GET", PLANS, None, 200),
    ("GET", PLANS + "/{plan}", None, 200),
    ("GET", PLANS + "/{plan}/tree?period=" + PERIOD, None, 200),
    ("GET", PLANS + "/{plan}/objectives", None, 200),
    ("GET", API + "/objectives/{objective}", None, 200),
]
WRITES: list[Endpoint] = [
    ("POST", PLANS, PLAN_BODY, 201),
    ("PATCH", PLANS + "/{plan}", {"title": "Housing Service Plan (revised)"}, 200),
    ("POST", PLANS + "/{plan}/objectives", OBJECTIVE_BODY, 201),
    ("PATCH", API + "/objectives/{objective}", {"title": "No family in a B&B"}, 200),
]
ENDPOINTS = READS + WRITES
# The endpoints that name a plan or an objective in their path.
BY_ID = [endpoint for endpoint in ENDPOINTS if "{" in endpoint[1]]


def label(endpoint: Endpoint) -> str:
    method, path, _, _ = endpoint
    return f"{method} {path.removeprefix(API).split('?')[0]}"


@dataclass(frozen=True)
class Housing:
    """The people, and a housing service plan with one objective."""

    people: Council
    plan: str
    objective: str

    def url(self, path: str, *, plan: str | None = None, objective: str | None = None) -> str:
        return path.format(plan=plan or self.plan, objective=objective or self.objective)


@pytest.fixture
async def housing(client: AsyncClient, factory: Factory) -> Housing:
    await factory.financial_year(2025)
    people = await council(factory)
    plan = await client.post(PLANS, json=PLAN_BODY, headers=people.perf.headers)
    assert plan.status_code == 201, plan.text
    objective = await client.post(
        f"{PLANS}/{plan.json()['id']}/objectives", json=OBJECTIVE_BODY, headers=people.perf.headers
    )
    assert objective.status_code == 201, objective.text
    return Housing(people, plan.json()["id"], objective.json()["id"])


async def call(
    client: AsyncClient, housing: Housing, endpoint: Endpoint, who: Person | None
) -> tuple[int, int]:
    """Call the endpoint as who (anonymous when None); the status and the audit trail's
    growth."""
    method, path, body, _ = endpoint
    return await answer_and_audit(
        client,
        method=method,
        url=housing.url(path),
        body=body,
        who=who.headers if who else None,
        admin=housing.people.admin.headers,
    )


# --- 401: signed out -----------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=label)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, housing: Housing, endpoint: Endpoint
) -> None:
    method, path, body, _ = endpoint

    response = await client.request(method, housing.url(path), json=body)

    assert_unauthenticated(response)


# --- 403: lacking the permission, or out of scope ------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=label)
async def test_a_person_with_no_role_can_neither_read_nor_change_plans(
    client: AsyncClient, housing: Housing, endpoint: Endpoint
) -> None:
    assert await call(client, housing, endpoint, housing.people.nobody) == (403, 0)


@pytest.mark.parametrize("who", ["staff", "councillor", "auditor"])
async def test_readers_without_plans_write_cannot_change_plans_or_objectives(
    client: AsyncClient, housing: Housing, who: str
) -> None:
    reader: Person = getattr(housing.people, who)

    answers = {
        label(endpoint): await call(client, housing, endpoint, reader) for endpoint in WRITES
    }

    assert answers == {label(endpoint): (403, 0) for endpoint in WRITES}


@pytest.mark.parametrize("endpoint", WRITES, ids=label)
async def test_a_head_of_service_cannot_change_another_services_plans(
    client: AsyncClient, housing: Housing, endpoint: Endpoint
) -> None:
    assert await call(client, housing, endpoint, housing.people.hos_wst) == (403, 0)


# --- 2xx: the people allowed ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["admin", "perf", "director", "hos", "hos_wst", "staff", "councillor", "auditor"]
)
async def test_everyone_with_a_role_reads_plans_objectives_and_the_tree(
    client: AsyncClient, housing: Housing, who: str
) -> None:
    reader: Person = getattr(housing.people, who)

    answers = {label(endpoint): await call(client, housing, endpoint, reader) for endpoint in READS}

    assert answers == {label(endpoint): (200, 0) for endpoint in READS}


@pytest.mark.parametrize("who", ["admin", "perf", "director", "hos"])
async def test_plan_writers_change_plans_of_their_unit_and_below_and_it_is_audited(
    client: AsyncClient, housing: Housing, who: str
) -> None:
    writer: Person = getattr(housing.people, who)

    answers = {
        label(endpoint): await call(client, housing, endpoint, writer) for endpoint in WRITES
    }

    assert answers == {label(endpoint): (endpoint[3], 1) for endpoint in WRITES}


# --- 404: nothing there --------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", BY_ID, ids=label)
async def test_an_absent_plan_or_objective_is_404_problem_json(
    client: AsyncClient, housing: Housing, endpoint: Endpoint
) -> None:
    method, path, body, _ = endpoint
    absent = str(uuid.uuid4())

    response = await client.request(
        method,
        housing.url(path, plan=absent, objective=absent),
        json=body,
        headers=housing.people.perf.headers,
    )

    assert assert_problem(response, 404)["type"].endswith("not-found")


async def test_an_id_that_is_not_a_uuid_is_422_not_a_lookup(
    client: AsyncClient, housing: Housing
) -> None:
    for method, path, body, _ in BY_ID:
        response = await client.request(
            method,
            housing.url(path, plan="HOU-2025", objective="1"),
            json=body,
            headers=housing.people.perf.headers,
        )

        assert_invalid(response, ["path", "plan_id" if "{plan}" in path else "objective_id"])


async def test_the_tree_of_a_period_that_does_not_exist_is_a_problem_not_a_500(
    client: AsyncClient, housing: Housing
) -> None:
    response = await client.get(
        f"{PLANS}/{housing.plan}/tree",
        params={"period": "2099-00-Q9"},
        headers=housing.people.perf.headers,
    )

    assert response.status_code in (404, 422), response.text
    assert_problem(response, response.status_code)


async def test_the_tree_needs_a_period(client: AsyncClient, housing: Housing) -> None:
    response = await client.get(f"{PLANS}/{housing.plan}/tree", headers=housing.people.perf.headers)

    assert_invalid(response, ["query", "period"])


# --- 422: bodies that are wrong ------------------------------------------------------------

INVALID: list[tuple[str, str, Any, str]] = [
    ("POST", PLANS, {**PLAN_BODY, "kind": "strategy"}, "kind"),
    ("POST", PLANS, {**PLAN_BODY, "start_year": "soon"}, "start_year"),
    ("POST", PLANS, {**PLAN_BODY, "start_year": 1999}, "start_year"),
    ("POST", PLANS, {**PLAN_BODY, "end_year": 2024}, "body"),
    ("POST", PLANS, {**PLAN_BODY, "themes": "Homes"}, "themes"),
    ("POST", PLANS, {**PLAN_BODY, "themes": ["Homes", "Homes"]}, "body"),
    ("POST", PLANS, {**PLAN_BODY, "title": "x" * 301}, "title"),
    ("POST", PLANS, {**PLAN_BODY, "title": ["x"]}, "title"),
    ("POST", PLANS, {**PLAN_BODY, "org_unit_code": "NOPE"}, "org_unit_code"),
    ("POST", PLANS, {**PLAN_BODY, "colour": "red"}, "colour"),
    ("POST", PLANS, {key: v for key, v in PLAN_BODY.items() if key != "title"}, "title"),
    ("POST", PLANS, ["not", "an", "object"], "body"),
    ("PATCH", PLANS + "/{plan}", {"status": "finished"}, "status"),
    ("PATCH", PLANS + "/{plan}", {"end_year": 2020}, "end_year"),
    ("PATCH", PLANS + "/{plan}", {"themes": [""]}, "themes"),
    ("PATCH", PLANS + "/{plan}", {"owner": "me"}, "owner"),
    ("POST", PLANS + "/{plan}/objectives", {}, "title"),
    ("POST", PLANS + "/{plan}/objectives", {**OBJECTIVE_BODY, "parent_id": "mine"}, "parent_id"),
    ("POST", PLANS + "/{plan}/objectives", {**OBJECTIVE_BODY, "position": -1}, "position"),
    ("POST", PLANS + "/{plan}/objectives", {**OBJECTIVE_BODY, "theme": "Roads"}, "theme"),
    (
        "POST",
        PLANS + "/{plan}/objectives",
        {**OBJECTIVE_BODY, "indicator_codes": "HS01"},
        "indicator_codes",
    ),
    ("POST", PLANS + "/{plan}/objectives", {**OBJECTIVE_BODY, "weight": 3}, "weight"),
    ("PATCH", API + "/objectives/{objective}", {"serves_ids": ["x"]}, "serves_ids"),
    ("PATCH", API + "/objectives/{objective}", {"position": "first"}, "position"),
    ("PATCH", API + "/objectives/{objective}", {"code": "x" * 33}, "code"),
    ("PATCH", API + "/objectives/{objective}", {"indicator_codes": ["NOPE"]}, "indicator_codes"),
    ("PATCH", API + "/objectives/{objective}", {"plan_id": str(uuid.uuid4())}, "plan_id"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    INVALID,
    ids=[f"{m} {p.removeprefix(API)} {f}" for m, p, _, f in INVALID],
)
async def test_an_invalid_body_is_422_problem_json_naming_the_field_and_changes_nothing(
    client: AsyncClient, housing: Housing, method: str, path: str, body: Any, field: str
) -> None:
    before = await audit_total(client, housing.people.admin.headers)

    response = await client.request(
        method, housing.url(path), json=body, headers=housing.people.perf.headers
    )

    assert_invalid(response, field)
    assert await audit_total(client, housing.people.admin.headers) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", PLANS, {**PLAN_BODY, "description": HUGE}),
        ("PATCH", PLANS + "/{plan}", {"description": HUGE}),
        ("POST", PLANS + "/{plan}/objectives", {**OBJECTIVE_BODY, "description": HUGE}),
        ("PATCH", API + "/objectives/{objective}", {"description": HUGE}),
    ],
    ids=["create plan", "change plan", "add objective", "change objective"],
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, housing: Housing, method: str, path: str, body: dict[str, Any]
) -> None:
    before = await audit_total(client, housing.people.admin.headers)

    response = await client.request(
        method, housing.url(path), json=body, headers=housing.people.perf.headers
    )

    assert_problem(response, 413)
    assert await audit_total(client, housing.people.admin.headers) == before
