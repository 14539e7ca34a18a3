"""Who may read and set up committees, and what a bad request gets back.

Every endpoint of /committees, tried anonymous (401), by someone lacking the permission or
acting for only part of the council (403), on an id that is not there (404), with bodies that
are wrong (422), and by the people allowed (2xx).
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

COMMITTEES = f"{API}/committees"
COMMITTEE_BODY: dict[str, Any] = {
    "name": "Overview and Scrutiny Committee",
    "description": "Quarterly performance report",
}

# (method, path, body, status when allowed); {committee} is filled in per test.
Endpoint = tuple[str, str, dict[str, Any] | None, int]
READS: list[Endpoint] = [
    ("GET", COMMITTEES, None, 200),
    ("GET", COMMITTEES + "/{committee}", None, 200),
]
WRITES: list[Endpoint] = [
    ("POST", COMMITTEES, {"name": "Cabinet"}, 201),
    ("PATCH", COMMITTEES + "/{committee}", {"description": "Every month"}, 200),
]
ENDPOINTS = READS + WRITES
BY_ID = [endpoint for endpoint in ENDPOINTS if "{" in endpoint[1]]


def label(endpoint: Endpoint) -> str:
    method, path, _, _ = endpoint
    return f"{method} {path.removeprefix(API)}"


@dataclass(frozen=True)
class Scrutiny:
    """The people, and one committee that a housing plan is reported to."""

    people: Council
    committee: str
    plan: str

    def url(self, path: str, *, committee: str | None = None) -> str:
        return path.format(committee=committee or self.committee)


@pytest.fixture
async def scrutiny(client: AsyncClient, factory: Factory) -> Scrutiny:
    people = await council(factory)
    plan = await client.post(
        f"{API}/plans",
        json={
            "kind": "service",
            "title": "Housing Service Plan 2025-26",
            "org_unit_code": "HOU",
            "start_year": 2025,
            "end_year": 2026,
        },
        headers=people.perf.headers,
    )
    assert plan.status_code == 201, plan.text
    committee = await client.post(
        COMMITTEES,
        json={**COMMITTEE_BODY, "plan_ids": [plan.json()["id"]]},
        headers=people.perf.headers,
    )
    assert committee.status_code == 201, committee.text
    return Scrutiny(people, committee.json()["id"], plan.json()["id"])


async def call(
    client: AsyncClient, scrutiny: Scrutiny, endpoint: Endpoint, who: Person | None
) -> tuple[int, int]:
    """Call the endpoint as who (anonymous when None); the status and the audit trail's
    growth."""
    method, path, body, _ = endpoint
    return await answer_and_audit(
        client,
        method=method,
        url=scrutiny.url(path),
        body=body,
        who=who.headers if who else None,
        admin=scrutiny.people.admin.headers,
    )


# --- 401: signed out -----------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=label)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, scrutiny: Scrutiny, endpoint: Endpoint
) -> None:
    method, path, body, _ = endpoint

    response = await client.request(method, scrutiny.url(path), json=body)

    assert_unauthenticated(response)


# --- 403: lacking the permission, or acting for part of the council ------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=label)
async def test_a_person_with_no_role_can_neither_read_nor_change_committees(
    client: AsyncClient, scrutiny: Scrutiny, endpoint: Endpoint
) -> None:
    assert await call(client, scrutiny, endpoint, scrutiny.people.nobody) == (403, 0)


@pytest.mark.parametrize(
    "who",
    [
        "staff",
        "councillor",
        "auditor",
        # They write plans of their own unit, but committees report on the whole council.
        "director",
        "hos",
    ],
)
async def test_only_council_wide_plan_writers_set_up_committees(
    client: AsyncClient, scrutiny: Scrutiny, who: str
) -> None:
    reader: Person = getattr(scrutiny.people, who)

    answers = {
        label(endpoint): await call(client, scrutiny, endpoint, reader) for endpoint in WRITES
    }

    assert answers == {label(endpoint): (403, 0) for endpoint in WRITES}


# --- 2xx: the people allowed ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["admin", "perf", "director", "hos", "hos_wst", "staff", "councillor", "auditor"]
)
async def test_everyone_with_a_role_sees_the_committees_and_what_is_reported_to_them(
    client: AsyncClient, scrutiny: Scrutiny, who: str
) -> None:
    reader: Person = getattr(scrutiny.people, who)

    answers = {
        label(endpoint): await call(client, scrutiny, endpoint, reader) for endpoint in READS
    }
    shown = await client.get(scrutiny.url(COMMITTEES + "/{committee}"), headers=reader.headers)

    assert answers == {label(endpoint): (200, 0) for endpoint in READS}
    assert shown.json()["plan_ids"] == [scrutiny.plan]


@pytest.mark.parametrize("who", ["admin", "perf"])
async def test_the_performance_team_and_admins_set_up_committees_and_it_is_audited(
    client: AsyncClient, scrutiny: Scrutiny, who: str
) -> None:
    writer: Person = getattr(scrutiny.people, who)

    answers = {
        label(endpoint): await call(client, scrutiny, endpoint, writer) for endpoint in WRITES
    }

    assert answers == {label(endpoint): (endpoint[3], 1) for endpoint in WRITES}


# --- 404: nothing there --------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", BY_ID, ids=label)
async def test_an_absent_committee_is_404_problem_json(
    client: AsyncClient, scrutiny: Scrutiny, endpoint: Endpoint
) -> None:
    method, path, body, _ = endpoint

    response = await client.request(
        method,
        scrutiny.url(path, committee=str(uuid.uuid4())),
        json=body,
        headers=scrutiny.people.perf.headers,
    )

    assert assert_problem(response, 404)["type"].endswith("not-found")


@pytest.mark.parametrize("endpoint", BY_ID, ids=label)
async def test_an_id_that_is_not_a_uuid_is_422_not_a_lookup(
    client: AsyncClient, scrutiny: Scrutiny, endpoint: Endpoint
) -> None:
    method, path, body, _ = endpoint

    response = await client.request(
        method,
        scrutiny.url(path, committee="scrutiny"),
        json=body,
        headers=scrutiny.people.perf.headers,
    )

    assert_invalid(response, ["path", "committee_id"])


# --- 422: bodies that are wrong ------------------------------------------------------------

INVALID: list[tuple[str, str, Any, str]] = [
    ("POST", COMMITTEES, {}, "name"),
    ("POST", COMMITTEES, {"name": ""}, "name"),
    ("POST", COMMITTEES, {"name": "x" * 201}, "name"),
    ("POST", COMMITTEES, {"name": 42}, "name"),
    ("POST", COMMITTEES, {"name": "Cabinet", "chair": "Cllr Jones"}, "chair"),
    ("POST", COMMITTEES, {"name": "Cabinet", "plan_ids": ["housing"]}, "plan_ids"),
    ("POST", COMMITTEES, {"name": "Cabinet", "plan_ids": [str(uuid.uuid4())]}, "plan_ids"),
    ("POST", COMMITTEES, {"name": "Cabinet", "indicator_codes": "HS01"}, "indicator_codes"),
    ("POST", COMMITTEES, {"name": "Cabinet", "indicator_codes": ["NOPE"]}, "indicator_codes"),
    ("POST", COMMITTEES, {"name": "Cabinet", "risk_ids": [1, 2]}, "risk_ids"),
    ("POST", COMMITTEES, ["Cabinet"], "body"),
    ("PATCH", COMMITTEES + "/{committee}", {"name": ""}, "name"),
    ("PATCH", COMMITTEES + "/{committee}", {"description": ["x"]}, "description"),
    ("PATCH", COMMITTEES + "/{committee}", {"risk_ids": [str(uuid.uuid4())]}, "risk_ids"),
    ("PATCH", COMMITTEES + "/{committee}", {"members": []}, "members"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    INVALID,
    ids=[f"{m} {p.removeprefix(API)} {f}" for m, p, _, f in INVALID],
)
async def test_an_invalid_body_is_422_problem_json_naming_the_field_and_changes_nothing(
    client: AsyncClient, scrutiny: Scrutiny, method: str, path: str, body: Any, field: str
) -> None:
    before = await audit_total(client, scrutiny.people.admin.headers)

    response = await client.request(
        method, scrutiny.url(path), json=body, headers=scrutiny.people.perf.headers
    )

    assert_invalid(response, field)
    assert await audit_total(client, scrutiny.people.admin.headers) == before


async def test_a_second_committee_of_the_same_name_is_409_and_changes_nothing(
    client: AsyncClient, scrutiny: Scrutiny
) -> None:
    before = await audit_total(client, scrutiny.people.admin.headers)

    response = await client.post(
        COMMITTEES, json=COMMITTEE_BODY, headers=scrutiny.people.perf.headers
    )

    assert_problem(response, 409)
    assert await audit_total(client, scrutiny.people.admin.headers) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", COMMITTEES, {"name": "Cabinet", "description": HUGE}),
        ("PATCH", COMMITTEES + "/{committee}", {"description": HUGE}),
    ],
    ids=["create", "change"],
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, scrutiny: Scrutiny, method: str, path: str, body: dict[str, Any]
) -> None:
    before = await audit_total(client, scrutiny.people.admin.headers)

    response = await client.request(
        method, scrutiny.url(path), json=body, headers=scrutiny.people.perf.headers
    )

    assert_problem(response, 413)
    assert await audit_total(client, scrutiny.people.admin.headers) == before
