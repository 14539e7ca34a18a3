"""Org units over HTTP: the council's tree, who may shape it, and how it is searched."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import INDICATORS, assert_invalid, assert_problem, bearer, indicator_body
from tests.reports.test_scorecard import statements

ORG = "/api/v1/org-units"
HUGE = "x" * (1024 * 1024 + 1)

Snapshot = tuple[list[dict[str, Any]], int]


async def codes(client: AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await client.get(ORG, params={"page_size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [unit["code"] for unit in response.json()["items"]]


async def snapshot(client: AsyncClient, admin: dict[str, str]) -> Snapshot:
    """Every unit and the audit trail's length: equal snapshots mean nothing changed."""
    units = await client.get(ORG, params={"page_size": 500}, headers=admin)
    events = await client.get("/api/v1/audit-events", params={"page_size": 1}, headers=admin)
    assert units.status_code == events.status_code == 200
    return units.json()["items"], events.json()["total"]


async def events_for(
    client: AsyncClient, admin: dict[str, str], entity_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/audit-events",
        params={"entity_type": "org_unit", "entity_id": entity_id},
        headers=admin,
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
async def admin(factory: Factory) -> dict[str, str]:
    return await factory.headers(Role.ADMIN)


# --- who may do what -----------------------------------------------------------------------

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", ORG, None),
    ("POST", ORG, {"code": "NEW", "name": "New team", "kind": "team", "parent_code": "HOU"}),
    ("GET", f"{ORG}/HOU", None),
    ("PATCH", f"{ORG}/HOU", {"name": "Housing"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS]
)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, factory: Factory, method: str, path: str, body: dict[str, Any] | None
) -> None:
    await factory.org_tree()

    response = await client.request(method, path, json=body)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_person_with_no_role_cannot_read_the_tree(
    client: AsyncClient, factory: Factory
) -> None:
    nobody = await factory.headers()

    assert_problem(await client.get(ORG, headers=nobody), 403)
    assert_problem(await client.get(f"{ORG}/HOU", headers=nobody), 403)


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.STAFF, "HOU-OPT"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.DIRECTOR, "PLA"),
        (Role.COUNCILLOR, None),
        (Role.AUDITOR, None),
    ],
    ids=str,
)
async def test_anyone_with_a_role_reads_the_whole_tree(
    client: AsyncClient, factory: Factory, role: Role, unit: str | None
) -> None:
    headers = await factory.headers(role, unit)

    assert await codes(client, headers) == ["ASC", "DBC", "HOU", "HOU-OPT", "PEO", "PLA", "WST"]
    one = await client.get(f"{ORG}/WST", headers=headers)
    assert one.status_code == 200
    assert one.json()["parent_code"] == "PLA"


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.DIRECTOR, "PEO"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.STAFF, "HOU"),
        (Role.COUNCILLOR, None),
        (Role.AUDITOR, None),
    ],
    ids=str,
)
async def test_roles_without_org_write_cannot_add_or_change_units(
    client: AsyncClient, factory: Factory, admin: dict[str, str], role: Role, unit: str | None
) -> None:
    headers = await factory.headers(role, unit)
    before = await snapshot(client, admin)

    created = await client.post(
        ORG,
        json={"code": "NEW", "name": "New", "kind": "team", "parent_code": "HOU"},
        headers=headers,
    )
    changed = await client.patch(f"{ORG}/HOU", json={"name": "Mine now"}, headers=headers)

    assert assert_problem(created, 403)["type"].endswith("permission-denied")
    assert_problem(changed, 403)
    assert await snapshot(client, admin) == before


# --- building the tree ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PERFORMANCE_TEAM], ids=str)
async def test_a_council_wide_officer_builds_a_tree_from_council_to_team(
    client: AsyncClient, factory: Factory, role: Role
) -> None:
    headers = await factory.headers(role)
    tree: list[dict[str, str | None]] = [
        {"code": "NBC", "name": "Northby Borough Council", "kind": "council", "parent_code": None},
        {"code": "NBC-PEO", "name": "People", "kind": "directorate", "parent_code": "NBC"},
        {"code": "NBC-HOU", "name": "Housing", "kind": "service", "parent_code": "NBC-PEO"},
        {"code": "NBC-OPT", "name": "Housing Options", "kind": "team", "parent_code": "NBC-HOU"},
    ]

    for unit in tree:
        response = await client.post(ORG, json=unit, headers=headers)
        assert response.status_code == 201, response.text
        body = response.json()
        assert {key: body[key] for key in unit} == unit
        assert uuid.UUID(body["id"])
        assert body["created_at"].endswith("Z")
        assert response.headers["location"] == f"{ORG}/{unit['code']}"
        assert response.headers["etag"] == '"1"'
        fetched = await client.get(response.headers["location"], headers=headers)
        assert fetched.status_code == 200
        assert fetched.json() == body

    assert await codes(client, headers, within="NBC") == ["NBC", "NBC-HOU", "NBC-OPT", "NBC-PEO"]


async def test_teams_may_nest_within_teams(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    response = await client.post(
        ORG,
        json={"code": "HOU-OPT-A", "name": "Options A", "kind": "team", "parent_code": "HOU-OPT"},
        headers=admin,
    )

    assert response.status_code == 201, response.text
    assert response.json()["parent_code"] == "HOU-OPT"


@pytest.mark.parametrize(
    ("kind", "parent_code"),
    [
        ("council", "DBC"),
        ("directorate", None),
        ("service", None),
        ("team", None),
        ("directorate", "PEO"),
        ("directorate", "HOU"),
        ("service", "HOU"),
        ("service", "HOU-OPT"),
        ("council", "HOU-OPT"),
    ],
    ids=lambda value: str(value),
)
async def test_kinds_must_nest_council_directorate_service_team(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    kind: str,
    parent_code: str | None,
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        ORG,
        json={"code": "NEW", "name": "New", "kind": kind, "parent_code": parent_code},
        headers=admin,
    )

    assert assert_problem(response, 409)["type"].endswith("org-unit-placement")
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("kind", "parent_code"),
    [("service", "DBC"), ("team", "PEO"), ("team", "DBC")],
    ids=["service-under-council", "team-under-directorate", "team-under-council"],
)
async def test_a_unit_cannot_skip_a_level_of_the_tree(
    client: AsyncClient, factory: Factory, admin: dict[str, str], kind: str, parent_code: str
) -> None:
    response = await client.post(
        ORG,
        json={"code": "NEW", "name": "New", "kind": kind, "parent_code": parent_code},
        headers=admin,
    )

    assert_problem(response, 409)


async def test_a_duplicate_code_is_409_and_keeps_the_original(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        ORG,
        json={"code": "HOU", "name": "Another housing", "kind": "service", "parent_code": "PLA"},
        headers=admin,
    )

    assert assert_problem(response, 409)["type"].endswith("duplicate-code")
    assert await snapshot(client, admin) == before


async def test_an_unknown_parent_code_is_422_naming_the_field(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        ORG,
        json={"code": "NEW", "name": "New", "kind": "team", "parent_code": "NOPE"},
        headers=admin,
    )

    assert_invalid(response, ["body", "parent_code"])
    assert await snapshot(client, admin) == before


async def test_an_unknown_code_is_404(client: AsyncClient, admin: dict[str, str]) -> None:
    assert_problem(await client.get(f"{ORG}/NOPE", headers=admin), 404)
    assert_problem(await client.patch(f"{ORG}/NOPE", json={"name": "x"}, headers=admin), 404)


# --- changing the tree ---------------------------------------------------------------------


async def test_renaming_a_unit_is_kept_and_audited_with_before_and_after(
    client: AsyncClient, factory: Factory
) -> None:
    admin_id = await factory.user(Role.ADMIN)
    admin = bearer(factory, admin_id)

    response = await client.patch(f"{ORG}/ASC", json={"name": "Adult Social Care"}, headers=admin)

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Adult Social Care"
    assert response.json()["kind"] == "service"
    assert response.json()["parent_code"] == "PEO"
    assert (await client.get(f"{ORG}/ASC", headers=admin)).json()["name"] == "Adult Social Care"
    [event, *_] = await events_for(client, admin, "ASC")
    assert event["action"] == "update"
    assert event["actor_id"] == str(admin_id)
    assert event["before"]["name"] == "ASC unit"
    assert event["after"]["name"] == "Adult Social Care"
    assert event["request_id"] == response.headers["x-request-id"]


async def test_moving_a_team_to_another_service_moves_it_out_of_the_old_subtree(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    response = await client.patch(f"{ORG}/HOU-OPT", json={"parent_code": "ASC"}, headers=admin)

    assert response.status_code == 200, response.text
    assert response.json()["parent_code"] == "ASC"
    assert await codes(client, admin, within="HOU") == ["HOU"]
    assert await codes(client, admin, within="ASC") == ["ASC", "HOU-OPT"]
    [event, *_] = await events_for(client, admin, "HOU-OPT")
    assert (event["before"]["parent_code"], event["after"]["parent_code"]) == ("HOU", "ASC")


async def test_a_heads_scope_follows_a_team_moved_into_their_service_at_their_next_request(
    client: AsyncClient, factory: Factory, admin: dict[str, str], engine: AsyncEngine
) -> None:
    """A principal granted roles in some units is given the tree as of the data version its
    request read (read once per version, not per request), so a unit moved is in or out of
    their scope from their very next request."""
    head_of_care = await factory.headers(Role.HEAD_OF_SERVICE, "ASC")
    options = indicator_body("OPT1", org_unit_code="HOU-OPT")
    refused = await client.post(INDICATORS, json=options, headers=head_of_care)
    assert_problem(refused, 403)
    with statements(engine) as seen:
        again = await client.post(INDICATORS, json=options, headers=head_of_care)
    assert_problem(again, 403)
    # No read of the whole tree: the one the last request was given stands.
    whole_tree = [sql for sql in seen if "FROM org_unit" in sql and "WHERE" not in sql]
    assert whole_tree == []

    moved = await client.patch(f"{ORG}/HOU-OPT", json={"parent_code": "ASC"}, headers=admin)
    assert moved.status_code == 200, moved.text

    created = await client.post(INDICATORS, json=options, headers=head_of_care)
    assert created.status_code == 201, created.text
    assert created.json()["org_unit_code"] == "HOU-OPT"
    # And a subtree filter works on the tree as it now stands, read or kept.
    for _ in range(2):
        listed = await client.get(INDICATORS, params={"org_unit": "ASC"}, headers=head_of_care)
        assert listed.status_code == 200, listed.text
        assert [item["code"] for item in listed.json()["items"]] == ["OPT1"]


@pytest.mark.parametrize(
    ("code", "new_parent"),
    [("HOU-OPT", "HOU-OPT-A"), ("HOU-OPT", "HOU-OPT"), ("PEO", "HOU"), ("DBC", "WST")],
    ids=["below-own-child", "below-itself", "directorate-below-own-service", "council-below-own"],
)
async def test_moving_a_unit_below_itself_or_its_descendants_is_409(
    client: AsyncClient, factory: Factory, admin: dict[str, str], code: str, new_parent: str
) -> None:
    created = await client.post(
        ORG,
        json={"code": "HOU-OPT-A", "name": "Options A", "kind": "team", "parent_code": "HOU-OPT"},
        headers=admin,
    )
    assert created.status_code == 201
    before = await snapshot(client, admin)

    response = await client.patch(f"{ORG}/{code}", json={"parent_code": new_parent}, headers=admin)

    assert_problem(response, 409)
    assert await snapshot(client, admin) == before


async def test_a_team_moved_below_its_own_sub_team_is_refused_as_a_cycle(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    await client.post(
        ORG,
        json={"code": "HOU-OPT-A", "name": "Options A", "kind": "team", "parent_code": "HOU-OPT"},
        headers=admin,
    )

    response = await client.patch(
        f"{ORG}/HOU-OPT", json={"parent_code": "HOU-OPT-A"}, headers=admin
    )

    assert assert_problem(response, 409)["type"].endswith("org-unit-cycle")
    assert (await client.get(f"{ORG}/HOU-OPT", headers=admin)).json()["parent_code"] == "HOU"


@pytest.mark.parametrize(
    ("code", "change"),
    [
        ("DBC", {"parent_code": "PLA"}),
        ("HOU", {"parent_code": None}),
        ("PEO", {"kind": "service"}),
        ("HOU", {"kind": "directorate"}),
        ("PLA", {"kind": "council"}),
    ],
    ids=[
        "council-given-a-parent",
        "service-orphaned",
        "directorate-with-services-demoted",
        "service-promoted-under-directorate",
        "directorate-made-council",
    ],
)
async def test_changes_that_break_the_nesting_are_409(
    client: AsyncClient, factory: Factory, admin: dict[str, str], code: str, change: dict[str, Any]
) -> None:
    before = await snapshot(client, admin)

    response = await client.patch(f"{ORG}/{code}", json=change, headers=admin)

    assert_problem(response, 409)
    assert await snapshot(client, admin) == before


async def test_moving_to_an_unknown_parent_is_422(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.patch(f"{ORG}/HOU", json={"parent_code": "NOPE"}, headers=admin)

    assert_invalid(response, ["body", "parent_code"])
    assert await snapshot(client, admin) == before


# --- listing -------------------------------------------------------------------------------


async def test_the_list_is_paged_and_ordered_by_code(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    first = await client.get(ORG, params={"page_size": 3}, headers=admin)
    last = await client.get(ORG, params={"page_size": 3, "page": 3}, headers=admin)
    beyond = await client.get(ORG, params={"page_size": 3, "page": 4}, headers=admin)

    assert first.json()["total"] == 7
    assert (first.json()["page"], first.json()["page_size"]) == (1, 3)
    assert [unit["code"] for unit in first.json()["items"]] == ["ASC", "DBC", "HOU"]
    assert [unit["code"] for unit in last.json()["items"]] == ["WST"]
    assert beyond.json()["items"] == []
    assert beyond.json()["total"] == 7


async def test_the_default_page_is_50(client: AsyncClient, admin: dict[str, str]) -> None:
    body = (await client.get(ORG, headers=admin)).json()

    assert (body["page"], body["page_size"], body["total"]) == (1, 50, 7)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "service"}, ["ASC", "HOU", "WST"]),
        ({"kind": "council"}, ["DBC"]),
        ({"parent_code": "PEO"}, ["ASC", "HOU"]),
        ({"parent_code": "HOU-OPT"}, []),
        ({"within": "PEO"}, ["ASC", "HOU", "HOU-OPT", "PEO"]),
        ({"within": "HOU"}, ["HOU", "HOU-OPT"]),
        ({"within": "PEO", "kind": "service"}, ["ASC", "HOU"]),
        ({"q": "hou"}, ["HOU", "HOU-OPT"]),
        ({"q": "PLA UNIT"}, ["PLA"]),
        ({"q": "nothing like it"}, []),
    ],
    ids=lambda value: str(value),
)
async def test_the_list_filters_by_kind_parent_subtree_and_search(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    params: dict[str, str],
    expected: list[str],
) -> None:
    response = await client.get(ORG, params=params, headers=admin)

    assert response.status_code == 200
    assert [unit["code"] for unit in response.json()["items"]] == expected
    assert response.json()["total"] == len(expected)


async def test_search_matches_names_as_well_as_codes(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    await client.patch(f"{ORG}/ASC", json={"name": "Adult Social Care"}, headers=admin)

    assert await codes(client, admin, q="social") == ["ASC"]


@pytest.mark.parametrize("q", ["_", "%"])
async def test_search_treats_wildcard_characters_literally(
    client: AsyncClient, factory: Factory, admin: dict[str, str], q: str
) -> None:
    assert await codes(client, admin, q=q) == []


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"page_size": 501}, ["query", "page_size"]),
        ({"page_size": 0}, ["query", "page_size"]),
        ({"page": 0}, ["query", "page"]),
        ({"page": "two"}, ["query", "page"]),
        ({"kind": "ward"}, ["query", "kind"]),
        ({"q": "x" * 101}, ["query", "q"]),
    ],
    ids=["page-size-501", "page-size-0", "page-0", "page-not-a-number", "unknown-kind", "long-q"],
)
async def test_bad_list_parameters_are_422(
    client: AsyncClient, admin: dict[str, str], params: dict[str, Any], loc: list[str]
) -> None:
    assert_invalid(await client.get(ORG, params=params, headers=admin), loc)


async def test_page_size_500_is_allowed(client: AsyncClient, admin: dict[str, str]) -> None:
    response = await client.get(ORG, params={"page_size": 500}, headers=admin)

    assert response.status_code == 200
    assert response.json()["page_size"] == 500


async def test_a_subtree_filter_naming_an_unknown_unit_is_404(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    assert_problem(await client.get(ORG, params={"within": "NOPE"}, headers=admin), 404)


# --- bad input changes nothing -------------------------------------------------------------

VALID = {"code": "NEW", "name": "New team", "kind": "team", "parent_code": "HOU"}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**VALID, "code": 123}, ["body", "code"]),
        ({**VALID, "code": "has space"}, ["body", "code"]),
        ({**VALID, "code": "x" * 33}, ["body", "code"]),
        ({**VALID, "name": ""}, ["body", "name"]),
        ({**VALID, "name": None}, ["body", "name"]),
        ({**VALID, "kind": "ward"}, ["body", "kind"]),
        ({**VALID, "parent_code": ["HOU"]}, ["body", "parent_code"]),
        ({"name": "New team", "kind": "team"}, ["body", "code"]),
        ({**VALID, "colour": "red"}, ["body", "colour"]),
        ({"code": "NEW", "name": "New", "kind": "team", "parent": "HOU"}, ["body", "parent"]),
        (["NEW", "New", "team"], ["body"]),
    ],
    ids=[
        "code-number",
        "code-space",
        "code-too-long",
        "name-empty",
        "name-null",
        "kind-unknown",
        "parent-list",
        "code-missing",
        "unknown-field",
        "misspelt-field",
        "not-an-object",
    ],
)
async def test_creating_with_invalid_fields_is_422_and_adds_nothing(
    client: AsyncClient, factory: Factory, admin: dict[str, str], body: Any, loc: list[Any]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(ORG, json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": 5}, ["body", "name"]),
        ({"name": ""}, ["body", "name"]),
        ({"kind": "ward"}, ["body", "kind"]),
        ({"code": "HOUSING"}, ["body", "code"]),
        ({"parent_code": 7}, ["body", "parent_code"]),
        ("Housing", ["body"]),
    ],
    ids=[
        "name-number",
        "name-empty",
        "kind-unknown",
        "code-is-not-editable",
        "parent-number",
        "not-an-object",
    ],
)
async def test_changing_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, factory: Factory, admin: dict[str, str], body: Any, loc: list[Any]
) -> None:
    before = await snapshot(client, admin)

    response = await client.patch(f"{ORG}/HOU", json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(("method", "path"), [("POST", ORG), ("PATCH", f"{ORG}/HOU")])
async def test_malformed_json_is_400_and_changes_nothing(
    client: AsyncClient, factory: Factory, admin: dict[str, str], method: str, path: str
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(
        method,
        path,
        content=b'{"code": "NEW", "name": ',
        headers={**admin, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", ORG, {**VALID, "name": HUGE}),
        ("PATCH", f"{ORG}/HOU", {"name": HUGE}),
    ],
    ids=["create", "update"],
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(method, path, json=body, headers=admin)

    assert response.status_code == 413
    assert await snapshot(client, admin) == before
