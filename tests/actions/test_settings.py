"""The council-wide action RAG thresholds: read by anyone signed in, set by an admin."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.actions.helpers import ACTIONS, audit_count, audit_events, ok
from tests.factories import Factory
from tests.helpers import API, assert_invalid, assert_problem, person

SETTINGS = f"{API}/settings/actions"


@pytest.fixture
async def admin(factory: Factory) -> dict[str, str]:
    return (await person(factory, Role.ADMIN)).headers


async def test_the_defaults_apply_until_an_admin_sets_thresholds(
    client: AsyncClient, factory: Factory
) -> None:
    staff = await person(factory, Role.STAFF, "HOU")

    response = await client.get(SETTINGS, headers=staff.headers)

    assert ok(response) == {"on_track_at": 90, "red_below": 70}
    assert response.headers["etag"] == '"0"'


async def test_an_admin_sets_the_thresholds_and_every_action_rag_follows(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    hos = await person(factory, Role.HEAD_OF_SERVICE, "HOU")
    # Half the time gone, 40% done: 80% of the expected, amber by default.
    body = {
        "title": "Cut re-let times",
        "org_unit_code": "HOU",
        "start_date": "2025-04-01",
        "due_date": "2025-09-30",
        "percent_complete": 40,
    }
    action = ok(await client.post(ACTIONS, json=body, headers=hos.headers), 201)
    assert action["rag"] == "amber"

    response = await client.put(
        SETTINGS,
        json={"on_track_at": "80", "red_below": 60.5},
        headers={**admin, "If-Match": '"0"'},
    )

    assert ok(response) == {"on_track_at": 80, "red_below": 60.5}
    assert response.headers["etag"] == '"1"'
    shown = ok(await client.get(f"{ACTIONS}/{action['id']}", headers=hos.headers))
    assert shown["rag"] == "green"
    events = await audit_events(client, admin, "setting", "action_rag")
    assert [(e["action"], e["before"], e["after"]) for e in events] == [
        (
            "update",
            {"on_track_at": 90, "red_below": 70},
            {"on_track_at": 80, "red_below": 60.5},
        )
    ]


async def test_a_stale_if_match_is_412_and_changes_nothing(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    ok(await client.put(SETTINGS, json={"on_track_at": 95, "red_below": 75}, headers=admin))
    events = await audit_count(client, admin)

    stale = await client.put(
        SETTINGS, json={"on_track_at": 50, "red_below": 10}, headers={**admin, "If-Match": '"0"'}
    )

    assert_problem(stale, 412)
    assert ok(await client.get(SETTINGS, headers=admin)) == {"on_track_at": 95, "red_below": 75}
    assert await audit_count(client, admin) == events


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.PERFORMANCE_TEAM, None),
        (Role.DIRECTOR, "PEO"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.STAFF, "HOU"),
        (Role.AUDITOR, None),
        (Role.COUNCILLOR, None),
        (None, None),
    ],
    ids=str,
)
async def test_only_an_admin_sets_the_thresholds(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    role: Role | None,
    unit: str | None,
) -> None:
    someone = await person(factory, role, unit)

    response = await client.put(
        SETTINGS, json={"on_track_at": 50, "red_below": 10}, headers=someone.headers
    )

    assert_problem(response, 403)
    assert ok(await client.get(SETTINGS, headers=admin)) == {"on_track_at": 90, "red_below": 70}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"on_track_at": 90}, "red_below"),
        ({"on_track_at": 101, "red_below": 70}, "on_track_at"),
        ({"on_track_at": 90, "red_below": -1}, "red_below"),
        ({"on_track_at": "ninety", "red_below": 70}, "on_track_at"),
        ({"on_track_at": "NaN", "red_below": 70}, "on_track_at"),
        ({"on_track_at": 90, "red_below": 70, "amber_at": 80}, "amber_at"),
    ],
)
async def test_invalid_thresholds_are_422(
    client: AsyncClient, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    assert_invalid(await client.put(SETTINGS, json=body, headers=admin), field)


async def test_red_below_may_not_exceed_on_track_at(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.put(SETTINGS, json={"on_track_at": 60, "red_below": 70}, headers=admin)

    assert_invalid(response)
    assert ok(await client.get(SETTINGS, headers=admin)) == {"on_track_at": 90, "red_below": 70}


async def test_malformed_json_is_400(client: AsyncClient, admin: dict[str, str]) -> None:
    response = await client.put(
        SETTINGS,
        content=b'{"on_track_at": 9',
        headers={**admin, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
