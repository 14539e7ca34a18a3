"""Projects and milestones over HTTP: scope, the manager's and the derived RAG, validation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.permissions import Role
from app.core.db import unit_of_work
from app.projects.service import ProjectService
from tests.actions.helpers import PROJECTS, TODAY, audit_count, audit_events, ok
from tests.factories import Factory
from tests.helpers import HUGE, Headers, Person, assert_invalid, assert_problem, person

SOME_ID = "7b0d7c1e-4c1e-4a55-9b1a-2f1f6c3c9d10"


@dataclass(frozen=True)
class Council:
    admin: Person
    director: Person  # PEO, with HOU and ASC below it
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
        director=await person(factory, Role.DIRECTOR, "PEO"),
        hos=await person(factory, Role.HEAD_OF_SERVICE, "HOU"),
        hos_wst=await person(factory, Role.HEAD_OF_SERVICE, "WST"),
        staff=await person(factory, Role.STAFF, "HOU"),
        councillor=await person(factory, Role.COUNCILLOR),
        auditor=await person(factory, Role.AUDITOR),
        nobody=await person(factory),
    )


def project_body(code: str = "P1", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Project {code}",
        "org_unit_code": "HOU",
        "start_date": "2025-04-01",
        "end_date": "2026-03-31",
        "status": "in_progress",
        **overrides,
    }


async def create_project(
    client: AsyncClient, headers: Headers, code: str = "P1", **overrides: Any
) -> dict[str, Any]:
    return ok(
        await client.post(PROJECTS, json=project_body(code, **overrides), headers=headers), 201
    )


async def add_milestone(
    client: AsyncClient, headers: Headers, project_id: str, due: str, **extra: Any
) -> dict[str, Any]:
    body = {"title": f"Milestone due {due}", "due_date": due, **extra}
    return ok(
        await client.post(f"{PROJECTS}/{project_id}/milestones", json=body, headers=headers), 201
    )


async def read_project(client: AsyncClient, headers: Headers, project_id: str) -> dict[str, Any]:
    return ok(await client.get(f"{PROJECTS}/{project_id}", headers=headers))


async def codes(client: AsyncClient, headers: Headers, **params: Any) -> list[str]:
    response = await client.get(PROJECTS, params={"page_size": 500, **params}, headers=headers)
    return [item["code"] for item in ok(response)["items"]]


Snapshot = tuple[list[dict[str, Any]], list[Any], int]


async def snapshot(client: AsyncClient, council: Council) -> Snapshot:
    """Every project, every milestone and the audit trail's length."""
    admin = council.admin.headers
    projects = ok(await client.get(PROJECTS, params={"page_size": 500}, headers=admin))["items"]
    milestones = [
        (await client.get(f"{PROJECTS}/{p['id']}/milestones", headers=admin)).json()
        for p in projects
    ]
    return projects, milestones, await audit_count(client, admin)


# --- who may do what -------------------------------------------------------------------------

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", PROJECTS, None),
    ("POST", PROJECTS, project_body()),
    ("GET", f"{PROJECTS}/{SOME_ID}", None),
    ("PATCH", f"{PROJECTS}/{SOME_ID}", {"title": "x"}),
    ("GET", f"{PROJECTS}/{SOME_ID}/milestones", None),
    ("POST", f"{PROJECTS}/{SOME_ID}/milestones", {"title": "x", "due_date": "2025-09-01"}),
    ("GET", f"{PROJECTS}/{SOME_ID}/milestones/{SOME_ID}", None),
    ("PATCH", f"{PROJECTS}/{SOME_ID}/milestones/{SOME_ID}", {"title": "x"}),
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


async def test_a_person_with_no_role_can_neither_read_nor_write_projects(
    client: AsyncClient, council: Council
) -> None:
    project = await create_project(client, council.hos.headers)
    milestone = await add_milestone(client, council.hos.headers, project["id"], "2025-09-01")
    path = f"{PROJECTS}/{project['id']}"
    before = await snapshot(client, council)

    for method, url, body in [
        ("GET", PROJECTS, None),
        ("GET", path, None),
        ("GET", f"{path}/milestones", None),
        ("GET", f"{path}/milestones/{milestone['id']}", None),
        ("POST", PROJECTS, project_body("P2")),
        ("PATCH", path, {"title": "Mine"}),
        ("POST", f"{path}/milestones", {"title": "x", "due_date": "2025-09-01"}),
        ("PATCH", f"{path}/milestones/{milestone['id']}", {"title": "Mine"}),
    ]:
        response = await client.request(method, url, json=body, headers=council.nobody.headers)
        assert_problem(response, 403)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize("who", ["staff", "councillor", "auditor"])
async def test_readers_without_plans_write_see_projects_but_cannot_change_them(
    client: AsyncClient, council: Council, who: str
) -> None:
    reader: Person = getattr(council, who)
    project = await create_project(client, council.hos.headers)
    milestone = await add_milestone(client, council.hos.headers, project["id"], "2025-09-01")
    path = f"{PROJECTS}/{project['id']}"
    before = await snapshot(client, council)

    assert await codes(client, reader.headers) == ["P1"]
    assert ok(await client.get(path, headers=reader.headers))["milestones_total"] == 1
    assert (
        len((await client.get(f"{path}/milestones", headers=reader.headers)).json()["items"]) == 1
    )
    for method, url, body in [
        ("POST", PROJECTS, project_body("P2")),
        ("PATCH", path, {"title": "Mine"}),
        ("POST", f"{path}/milestones", {"title": "x", "due_date": "2025-09-01"}),
        ("PATCH", f"{path}/milestones/{milestone['id']}", {"completed_date": "2025-06-01"}),
    ]:
        assert_problem(await client.request(method, url, json=body, headers=reader.headers), 403)
    assert await snapshot(client, council) == before


async def test_a_director_adds_projects_anywhere_in_their_directorate(
    client: AsyncClient, council: Council
) -> None:
    in_service = await create_project(client, council.director.headers, "P1")
    in_team = await create_project(client, council.director.headers, "P2", org_unit_code="HOU-OPT")

    assert (in_service["org_unit_code"], in_team["org_unit_code"]) == ("HOU", "HOU-OPT")


async def test_a_head_of_service_cannot_touch_projects_outside_their_service(
    client: AsyncClient, council: Council
) -> None:
    project = await create_project(client, council.hos.headers)
    milestone = await add_milestone(client, council.hos.headers, project["id"], "2025-09-01")
    path = f"{PROJECTS}/{project['id']}"
    before = await snapshot(client, council)
    outsider = council.hos_wst.headers

    for method, url, body, headers in [
        ("POST", PROJECTS, project_body("P2"), outsider),
        ("PATCH", path, {"title": "Mine"}, outsider),
        ("POST", f"{path}/milestones", {"title": "x", "due_date": "2025-09-01"}, outsider),
        ("PATCH", f"{path}/milestones/{milestone['id']}", {"title": "Mine"}, outsider),
        ("PATCH", path, {"org_unit_code": "WST"}, council.hos.headers),
    ]:
        response = await client.request(method, url, json=body, headers=headers)
        assert assert_problem(response, 403)["type"].endswith("permission-denied")
    assert await snapshot(client, council) == before


# --- creating, reading, changing ----------------------------------------------------------------


async def test_creating_a_project_shows_its_rag_and_is_audited(
    client: AsyncClient, council: Council
) -> None:
    response = await client.post(
        PROJECTS, json=project_body(manager_id=str(council.staff.id)), headers=council.hos.headers
    )

    created = ok(response, 201)
    assert response.headers["location"] == f"/api/v1/projects/{created['id']}"
    assert response.headers["etag"] == '"1"'
    assert created["manager_id"] == str(council.staff.id)
    assert (created["manager_rag"], created["derived_rag"], created["rag"]) == (
        None,
        "green",
        "green",
    )
    assert (
        created["milestones_total"],
        created["milestones_completed"],
        created["milestones_overdue"],
    ) == (0, 0, 0)
    events = await audit_events(client, council.admin.headers, "project", created["id"])
    assert [(e["action"], e["before"], e["after"]) for e in events] == [("create", None, created)]
    fetched = await client.get(f"{PROJECTS}/{created['id']}", headers=council.councillor.headers)
    assert ok(fetched) == created
    assert fetched.headers["etag"] == '"1"'


async def test_a_project_code_is_used_once(client: AsyncClient, council: Council) -> None:
    await create_project(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.post(PROJECTS, json=project_body(), headers=council.director.headers)

    assert assert_problem(response, 409)["type"].endswith("duplicate-code")
    assert await snapshot(client, council) == before


async def test_the_derived_rag_counts_overdue_milestones(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    project = await create_project(client, hos)
    await add_milestone(client, hos, project["id"], TODAY.isoformat())  # due today: not late
    await add_milestone(client, hos, project["id"], "2025-05-01", completed_date="2025-05-03")
    assert (await read_project(client, hos, project["id"]))["derived_rag"] == "green"

    first = await add_milestone(client, hos, project["id"], "2025-06-30")
    one_late = await read_project(client, hos, project["id"])
    await add_milestone(client, hos, project["id"], "2025-06-01")
    two_late = await read_project(client, hos, project["id"])
    ok(
        await client.patch(
            f"{PROJECTS}/{project['id']}/milestones/{first['id']}",
            json={"completed_date": TODAY.isoformat()},
            headers=hos,
        )
    )
    one_left = await read_project(client, hos, project["id"])

    assert (one_late["derived_rag"], one_late["milestones_overdue"]) == ("amber", 1)
    assert (two_late["derived_rag"], two_late["rag"], two_late["milestones_overdue"]) == (
        "red",
        "red",
        2,
    )
    assert (one_left["derived_rag"], one_left["milestones_completed"]) == ("amber", 2)
    assert one_left["milestones_total"] == 4


@pytest.mark.parametrize(("status", "rag"), [("completed", "green"), ("cancelled", None)])
async def test_completed_projects_are_green_and_cancelled_ones_unrated(
    client: AsyncClient, council: Council, status: str, rag: str | None
) -> None:
    project = await create_project(client, council.hos.headers)
    for due in ("2025-05-01", "2025-06-01"):
        await add_milestone(client, council.hos.headers, project["id"], due)

    closed = ok(
        await client.patch(
            f"{PROJECTS}/{project['id']}", json={"status": status}, headers=council.hos.headers
        )
    )

    assert (closed["derived_rag"], closed["rag"], closed["milestones_overdue"]) == (rag, rag, 2)


async def test_the_managers_rag_with_its_reason_is_shown_beside_the_derived_one(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    project = await create_project(client, hos)
    path = f"{PROJECTS}/{project['id']}"

    judged = ok(
        await client.patch(
            path,
            json={"manager_rag": "amber", "manager_rag_reason": "Contractor in administration"},
            headers=hos,
        )
    )
    reason_only = ok(
        await client.patch(path, json={"manager_rag_reason": "New contractor found"}, headers=hos)
    )
    cleared = ok(await client.patch(path, json={"manager_rag": None}, headers=hos))

    assert (judged["manager_rag"], judged["derived_rag"], judged["rag"]) == (
        "amber",
        "green",
        "amber",
    )
    assert judged["manager_rag_reason"] == "Contractor in administration"
    assert judged["manager_rag_at"].startswith(TODAY.isoformat())
    assert (reason_only["manager_rag"], reason_only["manager_rag_reason"]) == (
        "amber",
        "New contractor found",
    )
    assert [cleared[f] for f in ("manager_rag", "manager_rag_reason", "manager_rag_at")] == [
        None
    ] * 3
    assert cleared["rag"] == "green"
    events = await audit_events(client, council.admin.headers, "project", project["id"])
    assert [e["action"] for e in events] == ["create", "update", "update", "update"]
    assert events[1]["before"]["manager_rag"] is None
    assert events[1]["after"] == judged


@pytest.mark.parametrize(
    "change",
    [
        {"manager_rag": "red"},
        {"manager_rag": "red", "manager_rag_reason": None},
        {"manager_rag_reason": "Because"},
        {"manager_rag": None, "manager_rag_reason": "Because"},
    ],
    ids=["no-reason", "null-reason", "reason-without-rag", "reason-with-null-rag"],
)
async def test_a_managers_rag_and_its_reason_go_together(
    client: AsyncClient, council: Council, change: dict[str, Any]
) -> None:
    project = await create_project(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.patch(
        f"{PROJECTS}/{project['id']}", json=change, headers=council.hos.headers
    )

    assert_invalid(response)
    assert await snapshot(client, council) == before


async def test_patch_honours_if_match(client: AsyncClient, council: Council) -> None:
    project = await create_project(client, council.hos.headers)
    path = f"{PROJECTS}/{project['id']}"
    hos = council.hos.headers

    stale = await client.patch(path, json={"title": "New"}, headers={**hos, "If-Match": '"3"'})
    fresh = await client.patch(path, json={"title": "New"}, headers={**hos, "If-Match": '"1"'})

    assert_problem(stale, 412)
    assert ok(fresh)["title"] == "New"
    assert fresh.headers["etag"] == '"2"'


async def test_a_project_moves_within_the_movers_scope(
    client: AsyncClient, council: Council
) -> None:
    project = await create_project(client, council.director.headers)

    moved = ok(
        await client.patch(
            f"{PROJECTS}/{project['id']}",
            json={"org_unit_code": "ASC", "manager_id": str(council.staff.id)},
            headers=council.director.headers,
        )
    )

    assert (moved["org_unit_code"], moved["manager_id"]) == ("ASC", str(council.staff.id))


# --- milestones ------------------------------------------------------------------------------


async def test_milestones_are_listed_by_due_date_and_changed_with_if_match(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    project = await create_project(client, hos)
    base = f"{PROJECTS}/{project['id']}/milestones"
    later = await add_milestone(client, hos, project["id"], "2025-12-01")
    sooner = await add_milestone(client, hos, project["id"], "2025-06-01")

    listed = (await client.get(base, headers=hos)).json()["items"]
    one = await client.get(f"{base}/{sooner['id']}", headers=hos)
    stale = await client.patch(
        f"{base}/{sooner['id']}",
        json={"completed_date": "2025-06-15"},
        headers={**hos, "If-Match": '"2"'},
    )
    done = await client.patch(
        f"{base}/{sooner['id']}",
        json={"completed_date": "2025-06-15"},
        headers={**hos, "If-Match": one.headers["etag"]},
    )
    reopened = await client.patch(
        f"{base}/{sooner['id']}", json={"completed_date": None}, headers=hos
    )

    assert [m["id"] for m in listed] == [sooner["id"], later["id"]]
    assert (sooner["overdue"], later["overdue"]) == (True, False)
    assert ok(one) == sooner
    assert one.headers["etag"] == '"1"'
    assert_problem(stale, 412)
    assert (ok(done)["completed_date"], ok(done)["overdue"]) == ("2025-06-15", False)
    assert done.headers["etag"] == '"2"'
    assert (ok(reopened)["completed_date"], ok(reopened)["overdue"]) == (None, True)
    events = await audit_events(client, council.admin.headers, "milestone", sooner["id"])
    assert [e["action"] for e in events] == ["create", "update", "update"]
    assert events[1]["before"] == sooner
    assert events[1]["after"] == ok(done)


async def test_a_milestone_is_found_only_under_its_own_project(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    first = await create_project(client, hos, "P1")
    second = await create_project(client, hos, "P2")
    milestone = await add_milestone(client, hos, first["id"], "2025-09-01")

    wrong = f"{PROJECTS}/{second['id']}/milestones/{milestone['id']}"
    assert_problem(await client.get(wrong, headers=hos), 404)
    assert_problem(await client.patch(wrong, json={"title": "x"}, headers=hos), 404)
    assert_problem(await client.get(f"{PROJECTS}/{SOME_ID}/milestones", headers=hos), 404)
    assert_problem(await client.get(f"{PROJECTS}/{SOME_ID}", headers=hos), 404)
    assert_invalid(await client.get(f"{PROJECTS}/P1", headers=hos))


# --- lists -----------------------------------------------------------------------------------


async def test_the_list_filters_by_org_unit_status_and_manager_and_pages(
    client: AsyncClient, council: Council
) -> None:
    director = council.director.headers
    await create_project(client, director, "P1", manager_id=str(council.staff.id))
    await create_project(client, director, "P2", org_unit_code="HOU-OPT", status="on_hold")
    await create_project(client, director, "P3", org_unit_code="ASC")
    await create_project(client, council.hos_wst.headers, "P4", org_unit_code="WST")

    assert await codes(client, director) == ["P1", "P2", "P3", "P4"]
    assert await codes(client, director, org_unit="HOU") == ["P1", "P2"]
    assert await codes(client, director, org_unit="PEO") == ["P1", "P2", "P3"]
    assert await codes(client, director, status="on_hold") == ["P2"]
    assert await codes(client, director, manager_id=str(council.staff.id)) == ["P1"]
    page = ok(await client.get(PROJECTS, params={"page_size": 3, "page": 2}, headers=director))
    assert ([p["code"] for p in page["items"]], page["total"]) == (["P4"], 4)
    assert_problem(await client.get(PROJECTS, params={"org_unit": "NOPE"}, headers=director), 404)
    assert_invalid(await client.get(PROJECTS, params={"status": "late"}, headers=director))


async def test_summaries_for_the_lead_run_two_statements(
    client: AsyncClient, council: Council, factory: Factory, connection: AsyncConnection
) -> None:
    hos = council.hos.headers
    made = [await create_project(client, hos, f"P{i}") for i in range(3)]
    for project in made[:2]:
        await add_milestone(client, hos, project["id"], "2025-06-01")
    made = [await read_project(client, hos, p["id"]) for p in made]

    async with unit_of_work(factory.sessionmaker) as session:
        with counting_selects(connection) as statements:
            summaries = await ProjectService(session).summaries(
                project_ids=[uuid.UUID(p["id"]) for p in made] + [uuid.UUID(SOME_ID)]
            )
        with counting_selects(connection) as none:
            assert await ProjectService(session).summaries(project_ids=[]) == {}

    assert len(statements) == 2
    assert none == []
    assert {str(k): v.model_dump(mode="json") for k, v in summaries.items()} == {
        p["id"]: p for p in made
    }


@contextmanager
def counting_selects(connection: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"code": "has space"}, "code"),
        ({"code": "x" * 33}, "code"),
        ({"title": 5}, "title"),
        ({"title": ""}, "title"),
        ({"status": "late"}, "status"),
        ({"start_date": "2025-13-01"}, "start_date"),
        ({"end_date": "2025-03-31"}, "end_date"),  # before the start
        ({"manager_id": "abc"}, "manager_id"),
        ({"manager_id": SOME_ID}, "manager_id"),
        ({"org_unit_code": "NOPE"}, "org_unit_code"),
        ({"manager_rag": "purple", "manager_rag_reason": "x"}, "manager_rag"),
        ({"manager_rag": "red"}, "manager_rag_reason"),
    ],
)
async def test_creating_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, council: Council, overrides: dict[str, Any], field: str
) -> None:
    before = await snapshot(client, council)

    response = await client.post(
        PROJECTS, json=project_body(**overrides), headers=council.hos.headers
    )

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize("missing", ["code", "title", "org_unit_code"])
async def test_creating_without_a_required_field_is_422(
    client: AsyncClient, council: Council, missing: str
) -> None:
    body = project_body()
    del body[missing]

    assert_invalid(await client.post(PROJECTS, json=body, headers=council.hos.headers), missing)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"status": None}, "status"),
        ({"org_unit_code": None}, "org_unit_code"),
        ({"code": "P9"}, "code"),
        ({"end_date": "2025-01-01"}, "end_date"),
        ({"start_date": "2026-06-01"}, "end_date"),
        ({"manager_id": SOME_ID}, "manager_id"),
    ],
)
async def test_changing_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, council: Council, change: dict[str, Any], field: str
) -> None:
    project = await create_project(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.patch(
        f"{PROJECTS}/{project['id']}", json=change, headers=council.hos.headers
    )

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("POST", {"due_date": "2025-09-01"}, "title"),
        ("POST", {"title": "x"}, "due_date"),
        ("POST", {"title": "x", "due_date": "someday"}, "due_date"),
        ("POST", {"title": "x", "due_date": "2025-09-01", "owner": "me"}, "owner"),
        (
            "POST",
            {"title": "x", "due_date": "2025-09-01", "completed_date": "2025-07-02"},
            "completed_date",
        ),
        ("PATCH", {"title": None}, "title"),
        ("PATCH", {"due_date": None}, "due_date"),
        ("PATCH", {"completed_date": "2025-07-02"}, "completed_date"),
        ("PATCH", {"project_id": SOME_ID}, "project_id"),
    ],
)
async def test_milestones_with_invalid_fields_are_422_and_change_nothing(
    client: AsyncClient, council: Council, method: str, body: dict[str, Any], field: str
) -> None:
    project = await create_project(client, council.hos.headers)
    milestone = await add_milestone(client, council.hos.headers, project["id"], "2025-09-01")
    base = f"{PROJECTS}/{project['id']}/milestones"
    before = await snapshot(client, council)

    url = base if method == "POST" else f"{base}/{milestone['id']}"
    response = await client.request(method, url, json=body, headers=council.hos.headers)

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("POST", ""),
        ("PATCH", "/{id}"),
        ("POST", "/{id}/milestones"),
        ("PATCH", "/{id}/milestones/{mid}"),
    ],
    ids=["create", "change", "add-milestone", "change-milestone"],
)
async def test_malformed_json_is_400_and_changes_nothing(
    client: AsyncClient, council: Council, method: str, suffix: str
) -> None:
    project = await create_project(client, council.hos.headers)
    milestone = await add_milestone(client, council.hos.headers, project["id"], "2025-09-01")
    before = await snapshot(client, council)

    response = await client.request(
        method,
        PROJECTS + suffix.format(id=project["id"], mid=milestone["id"]),
        content=b'{"title": ',
        headers={**council.hos.headers, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "", project_body(description=HUGE)),
        ("PATCH", "/{id}", {"description": HUGE}),
        ("POST", "/{id}/milestones", {"title": HUGE, "due_date": "2025-09-01"}),
        ("PATCH", "/{id}/milestones/{mid}", {"title": HUGE}),
    ],
    ids=["create", "change", "add-milestone", "change-milestone"],
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, council: Council, method: str, suffix: str, body: dict[str, Any]
) -> None:
    project = await create_project(client, council.hos.headers)
    milestone = await add_milestone(client, council.hos.headers, project["id"], "2025-09-01")
    before = await snapshot(client, council)

    response = await client.request(
        method,
        PROJECTS + suffix.format(id=project["id"], mid=milestone["id"]),
        json=body,
        headers=council.hos.headers,
    )

    assert response.status_code == 413
    assert await snapshot(client, council) == before
