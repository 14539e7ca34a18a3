"""Action plans over HTTP: who may add and update actions, progress updates, RAG and filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.permissions import Role
from app.actions.models import Action
from app.actions.repository import ActionRepository
from app.actions.service import ActionService
from app.core.db import unit_of_work
from app.indicators.models import Indicator
from tests.actions.helpers import (
    ACTIONS,
    RISKS,
    TODAY,
    audit_count,
    audit_events,
    make_objective,
    ok,
    pin_today,
)
from tests.factories import Factory
from tests.helpers import (
    API,
    HUGE,
    Headers,
    Person,
    assert_invalid,
    assert_problem,
    create_indicator,
    person,
)


@dataclass(frozen=True)
class Council:
    admin: Person
    perf: Person
    hos: Person  # head of housing (HOU, with HOU-OPT below it)
    hos_wst: Person  # head of waste
    staff: Person  # housing staff
    staff_other: Person
    staff_wst: Person
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
        staff_other=await person(factory, Role.STAFF, "HOU"),
        staff_wst=await person(factory, Role.STAFF, "WST"),
        councillor=await person(factory, Role.COUNCILLOR),
        auditor=await person(factory, Role.AUDITOR),
        nobody=await person(factory),
    )


def action_body(**overrides: Any) -> dict[str, Any]:
    """Half its time gone on TODAY (2025-07-01): 91 of 182 days."""
    return {
        "title": "Cut re-let times",
        "org_unit_code": "HOU",
        "start_date": "2025-04-01",
        "due_date": "2025-09-30",
        **overrides,
    }


async def create_action(client: AsyncClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    return ok(await client.post(ACTIONS, json=action_body(**overrides), headers=headers), 201)


async def read_action(client: AsyncClient, headers: Headers, action_id: str) -> dict[str, Any]:
    return ok(await client.get(f"{ACTIONS}/{action_id}", headers=headers))


async def create_risk(client: AsyncClient, headers: Headers, code: str = "R1") -> str:
    body = {
        "code": code,
        "title": "Temporary accommodation costs overrun",
        "org_unit_code": "HOU",
        "inherent": {"likelihood": 4, "impact": 5},
        "current": {"likelihood": 3, "impact": 4},
        "target": {"likelihood": 2, "impact": 3},
    }
    risk_id: str = ok(await client.post(RISKS, json=body, headers=headers), 201)["id"]
    return risk_id


async def ids(client: AsyncClient, headers: Headers, **params: Any) -> set[str]:
    response = await client.get(ACTIONS, params={"page_size": 500, **params}, headers=headers)
    return {item["id"] for item in ok(response)["items"]}


async def all_actions(client: AsyncClient, council: Council) -> list[dict[str, Any]]:
    response = await client.get(ACTIONS, params={"page_size": 500}, headers=council.admin.headers)
    items: list[dict[str, Any]] = ok(response)["items"]
    return items


Snapshot = tuple[list[dict[str, Any]], int]


async def snapshot(client: AsyncClient, council: Council) -> Snapshot:
    """Every action and the audit trail's length: equal snapshots mean nothing changed."""
    return await all_actions(client, council), await audit_count(client, council.admin.headers)


# --- who may do what -------------------------------------------------------------------------

SOME_ID = "7b0d7c1e-4c1e-4a55-9b1a-2f1f6c3c9d10"
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", ACTIONS, None),
    ("POST", ACTIONS, action_body()),
    ("GET", f"{ACTIONS}/{SOME_ID}", None),
    ("PATCH", f"{ACTIONS}/{SOME_ID}", {"title": "x"}),
    ("GET", f"{ACTIONS}/{SOME_ID}/updates", None),
    ("POST", f"{ACTIONS}/{SOME_ID}/updates", {"note": "x", "percent_complete": 5}),
    ("GET", f"{API}/settings/actions", None),
    ("PUT", f"{API}/settings/actions", {"on_track_at": 90, "red_below": 70}),
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


async def test_a_person_with_no_role_can_neither_read_nor_write_actions(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers)
    path = f"{ACTIONS}/{action['id']}"
    before = await snapshot(client, council)

    for method, url, body in [
        ("GET", ACTIONS, None),
        ("GET", path, None),
        ("GET", f"{path}/updates", None),
        ("POST", ACTIONS, action_body()),
        ("PATCH", path, {"title": "Mine"}),
        ("POST", f"{path}/updates", {"note": "Done", "percent_complete": 100}),
    ]:
        response = await client.request(method, url, json=body, headers=council.nobody.headers)
        assert_problem(response, 403)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize("who", ["councillor", "auditor"])
async def test_councillors_and_auditors_read_actions_but_cannot_write_them(
    client: AsyncClient, council: Council, who: str
) -> None:
    reader: Person = getattr(council, who)
    action = await create_action(client, council.hos.headers)
    path = f"{ACTIONS}/{action['id']}"
    before = await snapshot(client, council)

    assert (await client.get(ACTIONS, headers=reader.headers)).status_code == 200
    assert (await client.get(path, headers=reader.headers)).status_code == 200
    assert (await client.get(f"{path}/updates", headers=reader.headers)).status_code == 200
    assert_problem(await client.post(ACTIONS, json=action_body(), headers=reader.headers), 403)
    assert_problem(await client.patch(path, json={"title": "X"}, headers=reader.headers), 403)
    update = {"note": "Looked at it", "percent_complete": 10}
    assert_problem(await client.post(f"{path}/updates", json=update, headers=reader.headers), 403)
    assert await snapshot(client, council) == before


async def test_a_head_of_service_adds_actions_in_their_service_and_below(
    client: AsyncClient, council: Council
) -> None:
    in_service = await create_action(client, council.hos.headers)
    in_team = await create_action(client, council.hos.headers, org_unit_code="HOU-OPT")

    assert in_service["org_unit_code"] == "HOU"
    assert in_team["org_unit_code"] == "HOU-OPT"


async def test_a_head_of_service_cannot_add_or_change_actions_outside_their_service(
    client: AsyncClient, council: Council
) -> None:
    housing = await create_action(client, council.hos.headers)
    path = f"{ACTIONS}/{housing['id']}"
    before = await snapshot(client, council)
    outsider = council.hos_wst.headers

    created = await client.post(ACTIONS, json=action_body(), headers=outsider)
    changed = await client.patch(path, json={"title": "Mine now"}, headers=outsider)
    progressed = await client.post(
        f"{path}/updates", json={"note": "Done", "percent_complete": 100}, headers=outsider
    )
    moved = await client.patch(path, json={"org_unit_code": "WST"}, headers=council.hos.headers)

    assert assert_problem(created, 403)["type"].endswith("permission-denied")
    assert_problem(changed, 403)
    assert_problem(progressed, 403)
    assert_problem(moved, 403)
    assert await snapshot(client, council) == before


async def test_staff_cannot_add_actions_even_in_their_own_unit(
    client: AsyncClient, council: Council
) -> None:
    before = await snapshot(client, council)

    response = await client.post(
        ACTIONS, json=action_body(owner_id=str(council.staff.id)), headers=council.staff.headers
    )

    assert_problem(response, 403)
    assert await snapshot(client, council) == before


async def test_staff_update_the_actions_they_own(client: AsyncClient, council: Council) -> None:
    action = await create_action(client, council.hos.headers, owner_id=str(council.staff.id))
    path = f"{ACTIONS}/{action['id']}"

    patched = await client.patch(
        path,
        json={"status": "in_progress", "percent_complete": 20, "description": "Started"},
        headers=council.staff.headers,
    )
    progressed = await client.post(
        f"{path}/updates",
        json={"note": "Voids team in place", "percent_complete": 55},
        headers=council.staff.headers,
    )

    assert ok(patched)["percent_complete"] == 20
    assert ok(progressed, 201)["by_id"] == str(council.staff.id)
    assert (await read_action(client, council.staff.headers, action["id"]))[
        "percent_complete"
    ] == 55


async def test_staff_cannot_update_actions_they_do_not_own(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers, owner_id=str(council.staff.id))
    path = f"{ACTIONS}/{action['id']}"
    before = await snapshot(client, council)
    other = council.staff_other.headers

    patched = await client.patch(path, json={"percent_complete": 90}, headers=other)
    progressed = await client.post(
        f"{path}/updates", json={"note": "Done", "percent_complete": 100}, headers=other
    )

    assert_problem(patched, 403)
    assert_problem(progressed, 403)
    assert await snapshot(client, council) == before


async def test_an_owner_outside_the_actions_unit_is_refused(
    client: AsyncClient, council: Council
) -> None:
    before = await snapshot(client, council)

    response = await client.post(
        ACTIONS, json=action_body(owner_id=str(council.staff_wst.id)), headers=council.hos.headers
    )

    assert_invalid(response, "owner_id")
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    "change",
    [
        {"due_date": "2026-03-31"},
        {"owner_id": None},
        {"org_unit_code": "HOU-OPT"},
        {"title": "Something easier"},
        {"risk_id": None},
    ],
    ids=["reschedule", "disown", "move", "retitle", "unlink"],
)
async def test_an_owner_on_staff_may_change_only_progress_not_the_plan(
    client: AsyncClient, council: Council, change: dict[str, Any]
) -> None:
    action = await create_action(client, council.hos.headers, owner_id=str(council.staff.id))
    before = await snapshot(client, council)

    response = await client.patch(
        f"{ACTIONS}/{action['id']}", json=change, headers=council.staff.headers
    )

    assert_problem(response, 403)
    assert await snapshot(client, council) == before


# --- creating and reading ----------------------------------------------------------------------


async def test_creating_an_action_shows_its_rag_and_is_audited(
    client: AsyncClient, council: Council
) -> None:
    response = await client.post(
        ACTIONS,
        json=action_body(owner_id=str(council.staff.id), percent_complete=45),
        headers=council.hos.headers,
    )

    created = ok(response, 201)
    assert response.headers["location"] == f"/api/v1/actions/{created['id']}"
    assert response.headers["etag"] == '"1"'
    assert created["owner_id"] == str(council.staff.id)
    # Work begun, so no longer "not started"; 45% done when 50% was expected is >= 90%: green.
    assert created["status"] == "in_progress"
    assert created["expected_percent"] == 50
    assert created["rag"] == "green"
    assert created["overdue"] is False
    assert created["completed_date"] is None
    assert created["indicator_code"] is created["period"] is None
    events = await audit_events(client, council.admin.headers, "action", created["id"])
    assert [(e["action"], e["before"], e["after"]) for e in events] == [("create", None, created)]
    fetched = await client.get(f"{ACTIONS}/{created['id']}", headers=council.councillor.headers)
    assert ok(fetched) == created
    assert fetched.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("day", "percent", "rag", "overdue"),
    [
        (date(2025, 3, 31), 0, "green", False),  # not started yet
        (date(2025, 4, 1), 0, "green", False),  # nothing expected on day one
        (date(2025, 7, 1), 45, "green", False),  # 90% of the 50% expected
        (date(2025, 7, 1), 44, "amber", False),
        (date(2025, 7, 1), 35, "amber", False),  # 70% of the expected: still amber
        (date(2025, 7, 1), 34, "red", False),
        (date(2025, 9, 30), 90, "green", False),  # the due date itself
        (date(2025, 10, 1), 99, "red", True),  # overdue
    ],
)
async def test_the_rag_of_an_action_follows_the_clock(
    client: AsyncClient, council: Council, day: date, percent: int, rag: str, overdue: bool
) -> None:
    action = await create_action(
        client, council.hos.headers, percent_complete=percent, status="in_progress"
    )

    pin_today(day)
    shown = await read_action(client, council.hos.headers, action["id"])

    assert (shown["rag"], shown["overdue"]) == (rag, overdue)


async def test_an_action_answers_a_missed_measure_in_a_period(
    client: AsyncClient, council: Council, factory: Factory
) -> None:
    await factory.financial_year(2025)
    await create_indicator(client, council.perf.headers, "HS08")

    action = await create_action(
        client, council.hos.headers, indicator_code="HS08", period="2025-26-Q1"
    )

    assert (action["indicator_code"], action["period"]) == ("HS08", "2025-26-Q1")
    assert await ids(client, council.hos.headers, indicator_code="HS08") == {action["id"]}
    assert await ids(client, council.hos.headers, period="2025-26-Q1") == {action["id"]}
    assert await ids(client, council.hos.headers, period="2025-26-Q2") == set()


async def test_an_action_answers_an_objective_or_a_risk(
    client: AsyncClient, council: Council, factory: Factory
) -> None:
    objective_id = await make_objective(factory)
    risk_id = await create_risk(client, council.hos.headers)

    for_objective = await create_action(client, council.hos.headers, objective_id=str(objective_id))
    for_risk = await create_action(client, council.hos.headers, risk_id=risk_id)

    assert for_objective["objective_id"] == str(objective_id)
    assert for_risk["risk_id"] == risk_id
    assert await ids(client, council.hos.headers, objective_id=str(objective_id)) == {
        for_objective["id"]
    }
    assert await ids(client, council.hos.headers, risk_id=risk_id) == {for_risk["id"]}
    risk = ok(await client.get(f"{RISKS}/{risk_id}", headers=council.hos.headers))
    assert risk["action_ids"] == [for_risk["id"]]


async def test_an_unknown_action_is_404_and_a_malformed_id_422(
    client: AsyncClient, council: Council
) -> None:
    assert_problem(await client.get(f"{ACTIONS}/{SOME_ID}", headers=council.hos.headers), 404)
    assert_problem(
        await client.get(f"{ACTIONS}/{SOME_ID}/updates", headers=council.hos.headers), 404
    )
    assert_problem(
        await client.patch(
            f"{ACTIONS}/{SOME_ID}", json={"title": "x"}, headers=council.hos.headers
        ),
        404,
    )
    assert_invalid(await client.get(f"{ACTIONS}/not-an-id", headers=council.hos.headers))


# --- changing ---------------------------------------------------------------------------------


async def test_completing_an_action_sets_its_completed_date_and_100_percent(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers, percent_complete=30)

    done = ok(
        await client.patch(
            f"{ACTIONS}/{action['id']}", json={"status": "completed"}, headers=council.hos.headers
        )
    )

    assert (done["status"], done["percent_complete"]) == ("completed", 100)
    assert done["completed_date"] == TODAY.isoformat()
    assert (done["rag"], done["overdue"], done["expected_percent"]) == ("green", False, None)


async def test_reopening_a_completed_action_clears_its_completed_date(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers, status="completed")
    assert action["completed_date"] == TODAY.isoformat()

    reopened = ok(
        await client.patch(
            f"{ACTIONS}/{action['id']}",
            json={"status": "in_progress", "percent_complete": 80},
            headers=council.hos.headers,
        )
    )

    assert (reopened["status"], reopened["percent_complete"]) == ("in_progress", 80)
    assert reopened["completed_date"] is None


async def test_a_cancelled_action_has_no_rag_and_is_never_overdue(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers, status="cancelled")

    pin_today(date(2026, 1, 1))
    shown = await read_action(client, council.hos.headers, action["id"])

    assert (shown["rag"], shown["overdue"], shown["completed_date"]) == (None, False, None)
    assert await ids(client, council.hos.headers, overdue=True) == set()


async def test_patch_honours_if_match_and_moves_the_etag(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers)
    path = f"{ACTIONS}/{action['id']}"

    stale = await client.patch(
        path, json={"title": "New"}, headers={**council.hos.headers, "If-Match": '"7"'}
    )
    fresh = await client.patch(
        path, json={"title": "New"}, headers={**council.hos.headers, "If-Match": '"1"'}
    )
    again = await client.patch(
        path, json={"title": "Newer"}, headers={**council.hos.headers, "If-Match": '"1"'}
    )

    assert_problem(stale, 412)
    assert ok(fresh)["title"] == "New"
    assert fresh.headers["etag"] == '"2"'
    assert_problem(again, 412)


async def test_a_change_is_audited_with_before_and_after(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers)

    changed = ok(
        await client.patch(
            f"{ACTIONS}/{action['id']}",
            json={"due_date": "2025-12-31", "org_unit_code": "HOU-OPT"},
            headers=council.hos.headers,
        )
    )

    events = await audit_events(client, council.admin.headers, "action", action["id"])
    assert [e["action"] for e in events] == ["create", "update"]
    assert events[-1]["before"] == action
    assert events[-1]["after"] == changed
    assert events[-1]["actor_id"] == str(council.hos.id)
    assert (changed["due_date"], changed["org_unit_code"]) == ("2025-12-31", "HOU-OPT")


async def test_links_and_owner_can_be_cleared_with_null(
    client: AsyncClient, council: Council, factory: Factory
) -> None:
    await factory.financial_year(2025)
    await create_indicator(client, council.perf.headers, "HS08")
    objective_id = await make_objective(factory)
    action = await create_action(
        client,
        council.hos.headers,
        indicator_code="HS08",
        period="2025-26-Q1",
        objective_id=str(objective_id),
        owner_id=str(council.staff.id),
    )

    cleared = ok(
        await client.patch(
            f"{ACTIONS}/{action['id']}",
            json={"indicator_code": None, "period": None, "objective_id": None, "owner_id": None},
            headers=council.hos.headers,
        )
    )

    assert [cleared[f] for f in ("indicator_code", "period", "objective_id", "owner_id")] == [
        None
    ] * 4


# --- progress updates -------------------------------------------------------------------------


async def test_a_progress_update_is_kept_and_brings_the_action_up_to_date(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers, owner_id=str(council.staff.id))
    path = f"{ACTIONS}/{action['id']}"

    response = await client.post(
        f"{path}/updates",
        json={"note": "Recruited two void surveyors", "percent_complete": 40},
        headers={**council.staff.headers, "If-Match": '"1"'},
    )

    update = ok(response, 201)
    assert response.headers["location"] == f"/api/v1/actions/{action['id']}/updates"
    assert update["action_id"] == action["id"]
    assert update["update_date"] == TODAY.isoformat()
    assert (update["percent_complete"], update["status"]) == (40, "in_progress")
    assert update["by_id"] == str(council.staff.id)
    assert update["by_name"] == "Test Person"
    shown = ok(await client.get(path, headers=council.hos.headers))
    assert (shown["percent_complete"], shown["status"], shown["rag"]) == (
        40,
        "in_progress",
        "amber",
    )
    events = await audit_events(client, council.admin.headers, "action", action["id"])
    assert [e["action"] for e in events] == ["create", "update"]
    assert (events[-1]["before"], events[-1]["after"]) == (action, shown)
    kept = await audit_events(client, council.admin.headers, "action_update", update["id"])
    assert [(e["action"], e["before"], e["after"]) for e in kept] == [("create", None, update)]


async def test_a_long_progress_note_is_kept_whole(client: AsyncClient, council: Council) -> None:
    action = await create_action(client, council.hos.headers)
    note = "Void turnaround. " * 1000

    response = await client.post(
        f"{ACTIONS}/{action['id']}/updates",
        json={"note": note, "percent_complete": 30},
        headers=council.hos.headers,
    )

    assert ok(response, 201)["note"] == note.strip()
    listed = await client.get(f"{ACTIONS}/{action['id']}/updates", headers=council.hos.headers)
    assert [u["note"] for u in listed.json()["items"]] == [note.strip()]


async def test_updates_are_listed_oldest_first(client: AsyncClient, council: Council) -> None:
    action = await create_action(client, council.hos.headers)
    path = f"{ACTIONS}/{action['id']}/updates"
    for note, percent, day in [("Second", 20, "2025-06-01"), ("First", 10, "2025-05-01")]:
        body = {"note": note, "percent_complete": percent, "update_date": day}
        ok(await client.post(path, json=body, headers=council.hos.headers), 201)

    response = await client.get(path, headers=council.councillor.headers)

    assert response.status_code == 200
    assert [(u["note"], u["update_date"]) for u in response.json()["items"]] == [
        ("First", "2025-05-01"),
        ("Second", "2025-06-01"),
    ]


async def test_completing_through_an_update_dates_the_completion_by_the_update(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers)

    update = ok(
        await client.post(
            f"{ACTIONS}/{action['id']}/updates",
            json={
                "note": "Done",
                "percent_complete": 95,
                "status": "completed",
                "update_date": "2025-06-20",
            },
            headers=council.hos.headers,
        ),
        201,
    )

    shown = await read_action(client, council.hos.headers, action["id"])
    assert (update["status"], update["percent_complete"]) == ("completed", 100)
    assert (shown["completed_date"], shown["percent_complete"]) == ("2025-06-20", 100)


async def test_a_closed_action_takes_an_update_only_with_a_status_that_reopens_it(
    client: AsyncClient, council: Council
) -> None:
    action = await create_action(client, council.hos.headers, status="cancelled")
    path = f"{ACTIONS}/{action['id']}/updates"
    before = await snapshot(client, council)

    refused = await client.post(
        path, json={"note": "More", "percent_complete": 10}, headers=council.hos.headers
    )
    assert assert_problem(refused, 409)["type"].endswith("action-closed")
    assert await snapshot(client, council) == before

    reopened = await client.post(
        path,
        json={"note": "Back on", "percent_complete": 10, "status": "in_progress"},
        headers=council.hos.headers,
    )
    assert ok(reopened, 201)["status"] == "in_progress"


async def test_a_progress_update_honours_if_match(client: AsyncClient, council: Council) -> None:
    action = await create_action(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.post(
        f"{ACTIONS}/{action['id']}/updates",
        json={"note": "x", "percent_complete": 10},
        headers={**council.hos.headers, "If-Match": '"9"'},
    )

    assert_problem(response, 412)
    assert await snapshot(client, council) == before


# --- lists -----------------------------------------------------------------------------------


async def test_the_list_filters_by_org_unit_owner_status_and_overdue(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    late = await create_action(client, hos, due_date="2025-06-30", owner_id=str(council.staff.id))
    team = await create_action(client, hos, org_unit_code="HOU-OPT", status="in_progress")
    done = await create_action(client, hos, due_date="2025-06-30", status="completed")
    waste = await create_action(client, council.hos_wst.headers, org_unit_code="WST")

    assert await ids(client, hos) == {late["id"], team["id"], done["id"], waste["id"]}
    assert await ids(client, hos, org_unit="HOU") == {late["id"], team["id"], done["id"]}
    assert await ids(client, hos, org_unit="HOU-OPT") == {team["id"]}
    assert await ids(client, hos, org_unit="PLA") == {waste["id"]}
    assert await ids(client, hos, owner_id=str(council.staff.id)) == {late["id"]}
    assert await ids(client, hos, status="in_progress") == {team["id"]}
    assert await ids(client, hos, overdue=True) == {late["id"]}
    assert await ids(client, hos, overdue=False) == {team["id"], done["id"], waste["id"]}


async def test_the_list_pages_in_due_date_order(client: AsyncClient, council: Council) -> None:
    made = [
        await create_action(client, council.hos.headers, title=f"A{i}", due_date=f"2025-1{i}-01")
        for i in (2, 0, 1)
    ]

    first = ok(await client.get(ACTIONS, params={"page_size": 2}, headers=council.hos.headers))
    second = ok(
        await client.get(ACTIONS, params={"page_size": 2, "page": 2}, headers=council.hos.headers)
    )

    assert first["total"] == second["total"] == len(made)
    assert [a["title"] for a in first["items"] + second["items"]] == ["A0", "A1", "A2"]


async def test_listing_by_an_unknown_org_unit_is_404_and_bad_filters_422(
    client: AsyncClient, council: Council
) -> None:
    hos = council.hos.headers
    assert_problem(await client.get(ACTIONS, params={"org_unit": "NOPE"}, headers=hos), 404)
    assert_invalid(await client.get(ACTIONS, params={"status": "done"}, headers=hos), "status")
    assert_invalid(await client.get(ACTIONS, params={"overdue": "maybe"}, headers=hos), "overdue")
    assert_invalid(await client.get(ACTIONS, params={"owner_id": "me"}, headers=hos), "owner_id")
    assert_invalid(await client.get(ACTIONS, params={"page_size": 501}, headers=hos), "page_size")


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"title": 5}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"percent_complete": 101}, "percent_complete"),
        ({"percent_complete": -1}, "percent_complete"),
        ({"percent_complete": "lots"}, "percent_complete"),
        ({"percent_complete": 12.5}, "percent_complete"),
        ({"status": "done"}, "status"),
        ({"start_date": "soon"}, "start_date"),
        ({"due_date": "2025-02-30"}, "due_date"),
        ({"due_date": "2025-03-31"}, "due_date"),  # before the start
        ({"owner_id": "abc"}, "owner_id"),
        ({"owner_id": SOME_ID}, "owner_id"),
        ({"org_unit_code": "NOPE"}, "org_unit_code"),
        ({"org_unit_code": None}, "org_unit_code"),
        ({"indicator_code": "NOPE", "period": "2025-26-Q1"}, "indicator_code"),
        ({"indicator_code": "HS08", "period": "2030-31-Q1"}, "period"),
        ({"indicator_code": "HS08"}, "period"),
        ({"period": "2025-26-Q1"}, "indicator_code"),
        ({"indicator_code": "ANN", "period": "2025-26-Q1"}, "period"),  # annual: years only
        ({"objective_id": SOME_ID}, "objective_id"),
        ({"risk_id": SOME_ID}, "risk_id"),
        ({"risk_id": 7}, "risk_id"),
    ],
)
async def test_creating_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient,
    council: Council,
    factory: Factory,
    overrides: dict[str, Any],
    field: str,
) -> None:
    await factory.financial_year(2025)
    await create_indicator(client, council.perf.headers, "HS08")
    await create_indicator(client, council.perf.headers, "ANN", frequency="annual")
    before = await snapshot(client, council)

    response = await client.post(
        ACTIONS, json=action_body(**overrides), headers=council.hos.headers
    )

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize("missing", ["title", "org_unit_code", "due_date"])
async def test_creating_without_a_required_field_is_422(
    client: AsyncClient, council: Council, missing: str
) -> None:
    body = action_body()
    del body[missing]

    assert_invalid(await client.post(ACTIONS, json=body, headers=council.hos.headers), missing)


async def test_a_body_that_is_not_an_object_is_422(client: AsyncClient, council: Council) -> None:
    assert_invalid(await client.post(ACTIONS, json=["a"], headers=council.hos.headers))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"due_date": None}, "due_date"),
        ({"status": None}, "status"),
        ({"percent_complete": None}, "percent_complete"),
        ({"org_unit_code": None}, "org_unit_code"),
        ({"due_date": "2025-01-01"}, "due_date"),
        ({"start_date": "2026-01-01"}, "due_date"),
        ({"percent_complete": 101}, "percent_complete"),
        ({"code": "A1"}, "code"),
        ({"period": "2025-26-Q1"}, "indicator_code"),
        ({"owner_id": SOME_ID}, "owner_id"),
    ],
)
async def test_changing_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, council: Council, change: dict[str, Any], field: str
) -> None:
    action = await create_action(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.patch(
        f"{ACTIONS}/{action['id']}", json=change, headers=council.hos.headers
    )

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"percent_complete": 10}, "note"),
        ({"note": "", "percent_complete": 10}, "note"),
        ({"note": "x"}, "percent_complete"),
        ({"note": "x", "percent_complete": 150}, "percent_complete"),
        ({"note": "x", "percent_complete": 10, "status": "nearly"}, "status"),
        ({"note": "x", "percent_complete": 10, "update_date": "2025-07-02"}, "update_date"),
        ({"note": "x", "percent_complete": 10, "mood": "good"}, "mood"),
    ],
    ids=[
        "no-note",
        "empty-note",
        "no-percent",
        "percent-150",
        "unknown-status",
        "dated-tomorrow",
        "unknown-field",
    ],
)
async def test_a_progress_update_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient, council: Council, body: dict[str, Any], field: str
) -> None:
    action = await create_action(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.post(
        f"{ACTIONS}/{action['id']}/updates", json=body, headers=council.hos.headers
    )

    assert_invalid(response, field)
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("POST", ""), ("PATCH", "/{id}"), ("POST", "/{id}/updates")],
    ids=["create", "change", "progress"],
)
async def test_malformed_json_is_400_and_changes_nothing(
    client: AsyncClient, council: Council, method: str, suffix: str
) -> None:
    action = await create_action(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.request(
        method,
        ACTIONS + suffix.format(id=action["id"]),
        content=b'{"title": "Cut re-let',
        headers={**council.hos.headers, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, council) == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "", action_body(description=HUGE)),
        ("PATCH", "/{id}", {"description": HUGE}),
        ("POST", "/{id}/updates", {"note": HUGE, "percent_complete": 1}),
    ],
    ids=["create", "change", "progress"],
)
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, council: Council, method: str, suffix: str, body: dict[str, Any]
) -> None:
    action = await create_action(client, council.hos.headers)
    before = await snapshot(client, council)

    response = await client.request(
        method, ACTIONS + suffix.format(id=action["id"]), json=body, headers=council.hos.headers
    )

    assert response.status_code == 413
    assert await snapshot(client, council) == before


# --- for the exception report ----------------------------------------------------------------


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


async def test_corrective_actions_are_found_for_indicators_and_periods_in_one_statement(
    client: AsyncClient, council: Council, factory: Factory, connection: AsyncConnection
) -> None:
    await factory.financial_year(2025)
    for code in ("HS08", "HS09", "HS10"):
        await create_indicator(client, council.perf.headers, code)
    hos = council.hos.headers
    q1_first = await create_action(
        client, hos, indicator_code="HS08", period="2025-26-Q1", due_date="2025-08-01"
    )
    q1_second = await create_action(
        client, hos, indicator_code="HS08", period="2025-26-Q1", due_date="2025-09-01"
    )
    q2 = await create_action(client, hos, indicator_code="HS08", period="2025-26-Q2")
    other = await create_action(client, hos, indicator_code="HS09", period="2025-26-Q1")
    await create_action(client, hos, indicator_code="HS10", period="2025-26-Q1")
    await create_action(client, hos)

    async with unit_of_work(factory.sessionmaker) as session:
        wanted = select(Indicator.id).where(Indicator.code.in_(["HS08", "HS09"]))
        by_id = {i.code: i.id for i in (await session.scalars(select(Indicator))).all()}
        with counting_selects(connection) as statements:
            found = await ActionRepository(session).corrective_actions(
                indicator_ids=wanted, period_codes=["2025-26-Q1", "2025-26-Q2"]
            )
        listed = await ActionRepository(session).corrective_actions(
            indicator_ids=[by_id["HS09"]], period_codes=["2025-26-Q1"]
        )
        nothing = await ActionRepository(session).corrective_actions(
            indicator_ids=[], period_codes=["2025-26-Q1"]
        )

    assert len(statements) == 1
    assert {code: [(str(a.id), p) for a, p in found.get(i, [])] for code, i in by_id.items()} == {
        "HS08": [
            (q1_first["id"], "2025-26-Q1"),
            (q1_second["id"], "2025-26-Q1"),
            (q2["id"], "2025-26-Q2"),
        ],
        "HS09": [(other["id"], "2025-26-Q1")],
        "HS10": [],
    }
    assert list(listed) == [by_id["HS09"]]
    assert nothing == {}


async def test_reads_for_the_report_match_the_api_in_a_fixed_number_of_statements(
    client: AsyncClient, council: Council, factory: Factory, connection: AsyncConnection
) -> None:
    await factory.financial_year(2025)
    await create_indicator(client, council.perf.headers, "HS08")
    made = [
        await create_action(
            client,
            council.perf.headers,
            title=f"A{i}",
            indicator_code="HS08",
            period="2025-26-Q1",
            org_unit_code=unit,
        )
        for i, unit in enumerate(["HOU", "HOU-OPT", "HOU", "PEO"])
    ]
    made.append(await create_action(client, council.hos.headers, title="A9"))

    async with unit_of_work(factory.sessionmaker) as session:
        actions = (await session.scalars(select(Action).order_by(Action.title))).all()
        with counting_selects(connection) as statements:
            reads = await ActionService(session).reads(actions=actions)

    assert len(statements) == 4
    assert [r.model_dump(mode="json") for r in reads] == made


async def test_reads_of_no_actions_run_no_statement(
    factory: Factory, connection: AsyncConnection
) -> None:
    await factory.org_tree()
    async with unit_of_work(factory.sessionmaker) as session:
        with counting_selects(connection) as statements:
            assert await ActionService(session).reads(actions=[]) == []
    assert statements == []


def test_today_is_pinned_for_these_tests() -> None:
    # The dates above assume it; a failure here explains every other failure.
    from app.core.clock import today  # noqa: PLC0415

    assert today() == TODAY
    assert today() - timedelta(days=91) == date(2025, 4, 1)
