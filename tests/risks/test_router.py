"""The risk register over HTTP: scope, scores, reviews, links, the matrix and validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.actions.helpers import ACTIONS, RISKS, audit_count, audit_events, make_objective, ok
from tests.factories import Factory
from tests.helpers import HUGE, Headers, Person, assert_invalid, assert_problem, person

SOME_ID = "7b0d7c1e-4c1e-4a55-9b1a-2f1f6c3c9d10"
MATRIX = f"{RISKS}/matrix"


@dataclass(frozen=True)
class Council:
    admin: Person
    perf: Person
    hos: Person  # HOU
    hos_wst: Person
    staff: Person
    councillor: Person
    auditor: Person
    nobody: Person


@pytest.fixture
async def council(factory: Factory) -> Council:
    return Council(
        admin=await person(factory, Role.ADMIN),
        perf=await person(factory, Role.PERFORMANCE_TEAM),
        hos=await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        hos_wst=await person(factory, Role.HEAD_OF_SERVICE, "WST"),
        staff=await person(factory, Role.STAFF, "HOU"),
        councillor=await person(factory, Role.COUNCILLOR),
        auditor=await person(factory, Role.AUDITOR),
        nobody=await person(factory),
    )


def risk_body(
    code: str = "R1", scored: tuple[int, int] = (3, 4), **overrides: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Risk {code}",
        "cause": "Rising demand for temporary accommodation",
        "effect": "Budget overspend",
        "org_unit_code": "HOU",
        "category": "financial",
        "inherent": {"likelihood": 4, "impact": 5},
        "current": {"likelihood": scored[0], "impact": scored[1]},
        "target": {"likelihood": 2, "impact": 3},
        "controls": "Monthly budget monitoring",
        "review_date": "2025-09-30",
        **overrides,
    }


async def create_risk(
    client: AsyncClient, headers: Headers, code: str = "R1", **overrides: Any
) -> dict[str, Any]:
    return ok(await client.post(RISKS, json=risk_body(code, **overrides), headers=headers), 201)


async def codes(client: AsyncClient, headers: Headers, **params: Any) -> list[str]:
    response = await client.get(RISKS, params={"page_size": 500, **params}, headers=headers)
    return [item["code"] for item in ok(response)["items"]]


async def matrix(client: AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    return ok(await client.get(MATRIX, params=params, headers=headers))


def cells(body: dict[str, Any]) -> dict[tuple[int, int], int]:
    """The non-empty cells of a matrix answer."""
    return {(c["likelihood"], c["impact"]): c["count"] for c in body["cells"] if c["count"]}


Snapshot = tuple[list[dict[str, Any]], int]


async def snapshot(client: AsyncClient, council: Council) -> Snapshot:
    admin = council.admin.headers
    risks = ok(await client.get(RISKS, params={"page_size": 500}, headers=admin))["items"]
    return risks, await audit_count(client, admin)


# --- who may do what -------------------------------------------------------------------------

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", RISKS, None),
    ("GET", MATRIX, None),
    ("POST", RISKS, risk_body()),
    ("GET", f"{RISKS}/{SOME_ID}", None),
    ("PATCH", f"{RISKS}/{SOME_ID}", {"title": "x"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS]
)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(method, path, json=body)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_person_with_no_role_can_neither_read_nor_write_risks(
    client: AsyncClient, council: Council
) -> None:
    risk = await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    for method, url, body in [
        ("GET", RISKS, None),
        ("GET", MATRIX, None),
        ("GET", f"{RISKS}/{risk['id']}", None),
        ("POST", RISKS, risk_body("R2")),
        ("PATCH", f"{RISKS}/{risk['id']}", {"title": "Mine"}),
    ]:
        response = await client.request(method, url, json=body, headers=council.nobody.headers)
        assert_problem(response, 403)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize("who", ["staff", "councillor", "auditor"])
async def test_readers_without_risks_write_see_the_register_but_cannot_change_it(
    client: AsyncClient, council: Council, who: str
) -> None:
    reader: Person = getattr(council, who)
    risk = await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    assert await codes(client, reader.headers) == ["R1"]
    assert ok(await client.get(f"{RISKS}/{risk['id']}", headers=reader.headers)) == risk
    assert (await matrix(client, reader.headers))["total"] == 1
    created = await client.post(RISKS, json=risk_body("R2"), headers=reader.headers)
    changed = await client.patch(
        f"{RISKS}/{risk['id']}", json={"status": "closed"}, headers=reader.headers
    )
    assert_problem(created, 403)
    assert_problem(changed, 403)
    assert await snapshot(client, council) == before


async def test_a_head_of_service_manages_risks_in_their_service_and_below_only(
    client: AsyncClient, council: Council
) -> None:
    in_team = await create_risk(client, council.hos.headers, "R1", org_unit_code="HOU-OPT")
    waste = await create_risk(client, council.hos_wst.headers, "R2", org_unit_code="WST")
    before = await snapshot(client, council)

    outside = await client.post(
        RISKS, json=risk_body("R3", org_unit_code="WST"), headers=council.hos.headers
    )
    theirs = await client.patch(
        f"{RISKS}/{waste['id']}", json={"title": "Mine"}, headers=council.hos.headers
    )
    moved = await client.patch(
        f"{RISKS}/{in_team['id']}", json={"org_unit_code": "WST"}, headers=council.hos.headers
    )

    assert in_team["org_unit_code"] == "HOU-OPT"
    assert assert_problem(outside, 403)["type"].endswith("permission-denied")
    assert_problem(theirs, 403)
    assert_problem(moved, 403)
    assert await snapshot(client, council) == before


# --- creating, reading, changing ----------------------------------------------------------------


async def test_creating_a_risk_shows_its_scores_and_is_audited(
    client: AsyncClient, council: Council, factory: Factory
) -> None:
    objective_id = str(await make_objective(factory))

    response = await client.post(
        RISKS,
        json=risk_body(owner_id=str(council.staff.id), objective_ids=[objective_id]),
        headers=council.hos.headers,
    )

    created = ok(response, 201)
    assert response.headers["location"] == f"/api/v1/risks/{created['id']}"
    assert response.headers["etag"] == '"1"'
    assert created["inherent"] == {"likelihood": 4, "impact": 5, "score": 20}
    assert created["current"] == {"likelihood": 3, "impact": 4, "score": 12}
    assert created["target"] == {"likelihood": 2, "impact": 3, "score": 6}
    assert (created["status"], created["review_overdue"]) == ("open", False)
    assert (created["objective_ids"], created["action_ids"]) == ([objective_id], [])
    assert created["owner_id"] == str(council.staff.id)
    # Audited under the id the API addresses the risk by, not its code.
    assert await audit_events(client, council.admin.headers, "risk", "R1") == []
    events = await audit_events(client, council.admin.headers, "risk", created["id"])
    assert [(e["action"], e["before"], e["after"]) for e in events] == [("create", None, created)]
    fetched = await client.get(f"{RISKS}/{created['id']}", headers=council.councillor.headers)
    assert ok(fetched) == created
    assert fetched.headers["etag"] == '"1"'


async def test_a_risk_code_is_used_once(client: AsyncClient, council: Council) -> None:
    await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.post(RISKS, json=risk_body(), headers=council.perf.headers)

    assert assert_problem(response, 409)["type"].endswith("duplicate-code")
    assert await snapshot(client, council) == before


async def test_mitigating_actions_are_listed_on_the_risk(
    client: AsyncClient, council: Council
) -> None:
    risk = await create_risk(client, council.hos.headers)
    body = {
        "title": "Buy in more temporary accommodation",
        "org_unit_code": "HOU",
        "start_date": "2025-04-01",
        "due_date": "2025-12-31",
        "risk_id": risk["id"],
    }
    action = ok(await client.post(ACTIONS, json=body, headers=council.hos.headers), 201)

    shown = ok(await client.get(f"{RISKS}/{risk['id']}", headers=council.hos.headers))

    assert shown["action_ids"] == [action["id"]]


@pytest.mark.parametrize(
    ("review_date", "status", "overdue"),
    [
        ("2025-06-30", "open", True),
        ("2025-07-01", "open", False),
        ("2025-07-02", "open", False),
        (None, "open", False),
        ("2025-06-30", "closed", False),
    ],
    ids=["yesterday", "today", "tomorrow", "no-date", "closed"],
)
async def test_a_review_is_overdue_when_its_date_has_passed_on_an_open_risk(
    client: AsyncClient, council: Council, review_date: str | None, status: str, overdue: bool
) -> None:
    risk = await create_risk(client, council.hos.headers, review_date=review_date, status=status)
    await create_risk(client, council.hos.headers, "OTHER", review_date="2030-01-01")

    assert risk["review_overdue"] is overdue
    assert await codes(client, council.hos.headers, review_overdue=True) == (
        ["R1"] if overdue else []
    )
    assert ("R1" in await codes(client, council.hos.headers, review_overdue=False)) is not overdue


async def test_rescoring_linking_and_closing_are_audited_with_before_and_after(
    client: AsyncClient, council: Council, factory: Factory
) -> None:
    first, second = str(await make_objective(factory)), str(await make_objective(factory))
    risk = await create_risk(client, council.hos.headers, objective_ids=[first])
    path = f"{RISKS}/{risk['id']}"
    hos = council.hos.headers

    rescored = await client.patch(
        path,
        json={"current": {"likelihood": 2, "impact": 4}, "review_date": "2025-12-31"},
        headers={**hos, "If-Match": '"1"'},
    )
    relinked = await client.patch(
        path, json={"objective_ids": [second, second]}, headers={**hos, "If-Match": '"2"'}
    )
    unchanged = await client.patch(path, json={"objective_ids": [second]}, headers=hos)
    closed = await client.patch(path, json={"status": "closed"}, headers=hos)

    assert ok(rescored)["current"] == {"likelihood": 2, "impact": 4, "score": 8}
    assert rescored.headers["etag"] == '"2"'
    assert ok(relinked)["objective_ids"] == [second]
    assert relinked.headers["etag"] == '"3"'  # a change of links is a change of the risk
    assert unchanged.headers["etag"] == '"3"'
    assert ok(closed)["status"] == "closed"
    events = await audit_events(client, council.admin.headers, "risk", risk["id"])
    assert [e["action"] for e in events] == ["create", "update", "update", "update", "update"]
    assert events[1]["before"] == risk
    assert events[1]["after"] == ok(rescored)
    assert events[2]["before"]["objective_ids"] == [first]
    assert events[2]["after"]["objective_ids"] == [second]


async def test_a_stale_if_match_is_412_and_changes_nothing(
    client: AsyncClient, council: Council
) -> None:
    risk = await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.patch(
        f"{RISKS}/{risk['id']}",
        json={"title": "New"},
        headers={**council.hos.headers, "If-Match": '"5"'},
    )

    assert_problem(response, 412)
    assert await snapshot(client, council) == before


async def test_an_unknown_risk_is_404_and_a_malformed_id_422(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    assert_problem(await client.get(f"{RISKS}/{SOME_ID}", headers=hos), 404)
    assert_problem(await client.patch(f"{RISKS}/{SOME_ID}", json={"title": "x"}, headers=hos), 404)
    assert_invalid(await client.get(f"{RISKS}/R1", headers=hos))


# --- lists and the matrix -----------------------------------------------------------------------


async def test_the_list_filters_by_org_unit_category_status_owner_and_score(
    client: AsyncClient, council: Council
) -> None:
    perf = council.perf.headers
    owner = str(council.staff.id)
    await create_risk(client, perf, "R1", scored=(5, 5), owner_id=owner)
    await create_risk(client, perf, "R2", scored=(2, 3), org_unit_code="HOU-OPT", category="legal")
    await create_risk(client, perf, "R3", scored=(3, 4), org_unit_code="WST", status="closed")
    await create_risk(client, perf, "R4", scored=(1, 1), org_unit_code="ASC", category=None)

    assert await codes(client, perf) == ["R1", "R2", "R3", "R4"]
    assert await codes(client, perf, org_unit="HOU") == ["R1", "R2"]
    assert await codes(client, perf, org_unit="PEO") == ["R1", "R2", "R4"]
    assert await codes(client, perf, category="legal") == ["R2"]
    assert await codes(client, perf, status="closed") == ["R3"]
    assert await codes(client, perf, owner_id=owner) == ["R1"]
    assert await codes(client, perf, min_score=12) == ["R1", "R3"]
    assert await codes(client, perf, min_score=13) == ["R1"]
    assert await codes(client, perf, min_score=1) == ["R1", "R2", "R3", "R4"]
    page = ok(await client.get(RISKS, params={"page_size": 3, "page": 2}, headers=perf))
    assert ([r["code"] for r in page["items"]], page["total"]) == (["R4"], 4)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_score": 0}, "min_score"),
        ({"min_score": 26}, "min_score"),
        ({"min_score": "high"}, "min_score"),
        ({"status": "dormant"}, "status"),
        ({"review_overdue": "perhaps"}, "review_overdue"),
        ({"owner_id": "me"}, "owner_id"),
    ],
)
async def test_bad_list_filters_are_422(
    client: AsyncClient, council: Council, params: dict[str, Any], field: str
) -> None:
    assert_invalid(await client.get(RISKS, params=params, headers=council.hos.headers), field)


async def test_the_matrix_counts_open_risks_by_current_likelihood_and_impact(
    client: AsyncClient, council: Council
) -> None:
    perf = council.perf.headers
    await create_risk(client, perf, "R1", scored=(5, 5))
    await create_risk(client, perf, "R2", scored=(5, 5), org_unit_code="HOU-OPT")
    await create_risk(client, perf, "R3", scored=(2, 4), category="legal")
    await create_risk(client, perf, "R4", scored=(4, 2), org_unit_code="WST")
    await create_risk(client, perf, "R5", scored=(1, 1), status="closed")

    body = await matrix(client, perf)

    assert len(body["cells"]) == 25
    assert [(c["likelihood"], c["impact"]) for c in body["cells"][:6]] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 5),
        (2, 1),
    ]
    assert all(c["score"] == c["likelihood"] * c["impact"] for c in body["cells"])
    assert cells(body) == {(5, 5): 2, (2, 4): 1, (4, 2): 1}
    assert body["total"] == 4
    assert sum(c["count"] for c in body["cells"]) == 4


async def test_the_matrix_is_filtered_like_the_list(client: AsyncClient, council: Council) -> None:
    perf = council.perf.headers
    owner = str(council.staff.id)
    await create_risk(client, perf, "R1", scored=(5, 5), owner_id=owner)
    await create_risk(client, perf, "R2", scored=(5, 5), org_unit_code="HOU-OPT")
    await create_risk(client, perf, "R3", scored=(2, 4), category="legal")
    await create_risk(client, perf, "R4", scored=(4, 2), org_unit_code="WST")
    await create_risk(client, perf, "R5", scored=(1, 1), status="closed")

    assert cells(await matrix(client, perf, org_unit="HOU")) == {(5, 5): 2, (2, 4): 1}
    assert cells(await matrix(client, perf, org_unit="HOU-OPT")) == {(5, 5): 1}
    assert cells(await matrix(client, perf, category="legal")) == {(2, 4): 1}
    assert cells(await matrix(client, perf, owner_id=owner)) == {(5, 5): 1}
    assert cells(await matrix(client, perf, status="closed")) == {(1, 1): 1}
    empty = await matrix(client, perf, category="reputational")
    assert (len(empty["cells"]), empty["total"], cells(empty)) == (25, 0, {})
    assert_problem(await client.get(MATRIX, params={"org_unit": "NOPE"}, headers=perf), 404)
    assert_invalid(await client.get(MATRIX, params={"status": "all"}, headers=perf), "status")


async def test_moving_a_risk_down_the_matrix_moves_its_count(
    client: AsyncClient, council: Council
) -> None:
    risk = await create_risk(client, council.hos.headers, scored=(4, 4))
    assert cells(await matrix(client, council.hos.headers)) == {(4, 4): 1}

    ok(
        await client.patch(
            f"{RISKS}/{risk['id']}",
            json={"current": {"likelihood": 2, "impact": 3}},
            headers=council.hos.headers,
        )
    )

    assert cells(await matrix(client, council.hos.headers)) == {(2, 3): 1}


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"code": "has space"}, "code"),
        ({"title": ""}, "title"),
        ({"title": ["x"]}, "title"),
        ({"current": {"likelihood": 0, "impact": 3}}, "likelihood"),
        ({"current": {"likelihood": 6, "impact": 3}}, "likelihood"),
        ({"inherent": {"likelihood": 3, "impact": 6}}, "impact"),
        ({"target": {"likelihood": 3, "impact": 0}}, "impact"),
        ({"current": {"likelihood": 3, "impact": "high"}}, "impact"),
        ({"current": {"likelihood": 2.5, "impact": 3}}, "likelihood"),
        ({"current": {"likelihood": 3}}, "impact"),
        ({"current": {"likelihood": 3, "impact": 3, "velocity": 2}}, "velocity"),
        ({"current": 12}, "current"),
        ({"target": None}, "target"),
        ({"category": "x" * 101}, "category"),
        ({"status": "dormant"}, "status"),
        ({"review_date": "next week"}, "review_date"),
        ({"owner_id": SOME_ID}, "owner_id"),
        ({"org_unit_code": "NOPE"}, "org_unit_code"),
        ({"objective_ids": [SOME_ID]}, "objective_ids"),
        ({"objective_ids": "all"}, "objective_ids"),
    ],
)
async def test_creating_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, council: Council, overrides: dict[str, Any], field: str
) -> None:
    before = await snapshot(client, council)

    response = await client.post(RISKS, json=risk_body(**overrides), headers=council.hos.headers)

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    "missing", ["code", "title", "org_unit_code", "inherent", "current", "target"]
)
async def test_creating_without_a_required_field_is_422(
    client: AsyncClient, council: Council, missing: str
) -> None:
    body = risk_body()
    del body[missing]

    assert_invalid(await client.post(RISKS, json=body, headers=council.hos.headers), missing)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"current": None}, "current"),
        ({"status": None}, "status"),
        ({"objective_ids": None}, "objective_ids"),
        ({"org_unit_code": None}, "org_unit_code"),
        ({"current": {"likelihood": 3}}, "impact"),
        ({"code": "R9"}, "code"),
        ({"objective_ids": [SOME_ID]}, "objective_ids"),
    ],
)
async def test_changing_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, council: Council, change: dict[str, Any], field: str
) -> None:
    risk = await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.patch(f"{RISKS}/{risk['id']}", json=change, headers=council.hos.headers)

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(("method", "suffix"), [("POST", ""), ("PATCH", "/{id}")])
async def test_malformed_json_is_400_and_changes_nothing(
    client: AsyncClient, council: Council, method: str, suffix: str
) -> None:
    risk = await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.request(
        method,
        RISKS + suffix.format(id=risk["id"]),
        content=b'{"code": "R2", "current": {',
        headers={**council.hos.headers, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("POST", "", risk_body("R2", controls=HUGE)), ("PATCH", "/{id}", {"controls": HUGE})],
    ids=["create", "change"],
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, council: Council, method: str, suffix: str, body: dict[str, Any]
) -> None:
    risk = await create_risk(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.request(
        method, RISKS + suffix.format(id=risk["id"]), json=body, headers=council.hos.headers
    )

    assert response.status_code == 413
    assert await snapshot(client, council) == before
