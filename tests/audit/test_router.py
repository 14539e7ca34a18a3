"""The audit trail over HTTP: every change recorded, who may read it, and the hash chain."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.access.permissions import Role
from app.core.clock import freeze
from tests.factories import Factory
from tests.helpers import assert_problem, bearer

AUDIT = "/api/v1/audit-events"
VERIFY = f"{AUDIT}/verify"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
ADMIN_EMAIL = "audit.admin@council.gov.uk"
ADMIN_NAME = "Audrey Admin"


async def all_events(
    client: AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params={"page_size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
async def admin_id(factory: Factory) -> uuid.UUID:
    return await factory.user(Role.ADMIN, email=ADMIN_EMAIL, full_name=ADMIN_NAME)


@pytest.fixture
def admin(factory: Factory, admin_id: uuid.UUID) -> dict[str, str]:
    return bearer(factory, admin_id)


@pytest.fixture
def pinned_clock() -> Iterator[None]:
    try:
        yield
    finally:
        freeze(None)


# --- who may read it -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [AUDIT, VERIFY])
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (None, None),
        (Role.PERFORMANCE_TEAM, None),
        (Role.DIRECTOR, "PEO"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.STAFF, "HOU"),
        (Role.COUNCILLOR, None),
    ],
    ids=str,
)
@pytest.mark.parametrize("path", [AUDIT, VERIFY])
async def test_only_auditors_and_admins_may_read_the_trail(
    client: AsyncClient, factory: Factory, role: Role | None, unit: str | None, path: str
) -> None:
    headers = await factory.headers(role, unit)

    assert_problem(await client.get(path, headers=headers), 403)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN], ids=str)
async def test_auditors_and_admins_read_the_trail_and_verify_it(
    client: AsyncClient, factory: Factory, role: Role
) -> None:
    headers = await factory.headers(role)

    listed = await client.get(AUDIT, headers=headers)
    verified = await client.get(VERIFY, headers=headers)

    assert listed.status_code == 200
    assert listed.json()["total"] >= 1
    assert verified.status_code == 200
    assert verified.json()["ok"] is True


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_the_trail_cannot_be_written_through_the_api(
    client: AsyncClient, admin: dict[str, str], method: str
) -> None:
    before = await all_events(client, admin)

    response = await client.request(method, AUDIT, json={"action": "forged"}, headers=admin)

    assert_problem(response, 405)
    assert await all_events(client, admin) == before


# --- every change is recorded --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    method: str
    path: str
    body: dict[str, Any] | None
    action: str
    entity_type: str
    entity_id: str  # "{user}", "{client}" or "=field" (read from the response body)
    prepare: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    has_before: bool = True
    reason: str | None = None


CLIENT = {"name": "Housing system", "scopes": ["values:write"], "org_unit_codes": ["HOU"]}
REASON = "Correction agreed at the board"

CHANGES = {
    "create-org-unit": Change(
        "POST",
        "/api/v1/org-units",
        {"code": "HOU-NEW", "name": "New team", "kind": "team", "parent_code": "HOU"},
        "create",
        "org_unit",
        "HOU-NEW",
        has_before=False,
    ),
    "update-org-unit": Change(
        "PATCH", "/api/v1/org-units/HOU", {"name": "Housing"}, "update", "org_unit", "HOU"
    ),
    "create-user": Change(
        "POST",
        "/api/v1/users",
        {"email": "new@council.gov.uk", "full_name": "New Person"},
        "create",
        "user",
        "=id",
        has_before=False,
    ),
    "update-user": Change(
        "PATCH", "/api/v1/users/{user}", {"job_title": "Officer"}, "update", "user", "{user}"
    ),
    "grant-role": Change(
        "POST",
        "/api/v1/users/{user}/roles",
        {"role": "director", "org_unit_code": "PEO"},
        "grant_role",
        "user",
        "{user}",
    ),
    "revoke-role": Change(
        "DELETE",
        "/api/v1/users/{user}/roles",
        {"role": "staff", "org_unit_code": "HOU"},
        "revoke_role",
        "user",
        "{user}",
    ),
    "create-financial-year": Change(
        "POST",
        "/api/v1/financial-years",
        {"start_year": 2026},
        "create",
        "financial_year",
        "2026-27",
        has_before=False,
    ),
    "update-period": Change(
        "PATCH",
        "/api/v1/periods/2025-26-Q1",
        {"board_date": "2025-07-28"},
        "update",
        "period",
        "2025-26-Q1",
    ),
    "open-period": Change(
        "POST", "/api/v1/periods/2025-26-Q1/open", None, "open", "period", "2025-26-Q1"
    ),
    "close-period": Change(
        "POST",
        "/api/v1/periods/2025-26-Q1/close",
        None,
        "close",
        "period",
        "2025-26-Q1",
        prepare=[("POST", "/api/v1/periods/2025-26-Q1/open", None)],
    ),
    "reopen-period": Change(
        "POST",
        "/api/v1/periods/2025-26-Q1/reopen",
        {"reason": REASON},
        "reopen",
        "period",
        "2025-26-Q1",
        prepare=[
            ("POST", "/api/v1/periods/2025-26-Q1/open", None),
            ("POST", "/api/v1/periods/2025-26-Q1/close", None),
        ],
        reason=REASON,
    ),
    "create-api-client": Change(
        "POST", "/api/v1/api-clients", CLIENT, "create", "api_client", "=id", has_before=False
    ),
    "rotate-api-client": Change(
        "POST",
        "/api/v1/api-clients/{client}/rotate",
        None,
        "rotate_secret",
        "api_client",
        "{client}",
        prepare=[("POST", "/api/v1/api-clients", CLIENT)],
        has_before=False,
    ),
    "revoke-api-client": Change(
        "DELETE",
        "/api/v1/api-clients/{client}",
        None,
        "revoke",
        "api_client",
        "{client}",
        prepare=[("POST", "/api/v1/api-clients", CLIENT)],
    ),
}


@pytest.mark.parametrize("name", list(CHANGES))
async def test_every_change_writes_one_event_saying_who_did_what_to_what_in_which_request(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    admin_id: uuid.UUID,
    name: str,
) -> None:
    change = CHANGES[name]
    user = await factory.user(Role.STAFF, "HOU")
    await factory.financial_year(2025, open_all=False)
    ids = {"user": str(user), "client": ""}
    for method, path, body in change.prepare:
        prepared = await client.request(method, path, json=body, headers=admin)
        assert prepared.is_success, prepared.text
        if path == "/api/v1/api-clients":
            ids["client"] = prepared.json()["id"]

    response = await client.request(
        change.method, change.path.format(**ids), json=change.body, headers=admin
    )

    assert response.is_success, response.text
    request_id = response.headers["x-request-id"]
    events = [e for e in await all_events(client, admin) if e["request_id"] == request_id]
    assert len(events) == 1, events
    [event] = events
    expected_id = (
        response.json()[change.entity_id[1:]]
        if change.entity_id.startswith("=")
        else change.entity_id.format(**ids)
    )
    assert (event["action"], event["entity_type"], event["entity_id"]) == (
        change.action,
        change.entity_type,
        expected_id,
    )
    assert (event["actor_kind"], event["actor_id"], event["actor_name"]) == (
        "user",
        str(admin_id),
        ADMIN_NAME,
    )
    assert (event["before"] is not None) == change.has_before
    assert isinstance(event["after"], dict)
    assert event["reason"] == change.reason
    assert event["occurred_at"].endswith("Z")
    assert HEX64.match(event["hash"])
    assert HEX64.match(event["prev_hash"])


async def test_a_refused_change_writes_no_event(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    await factory.org_tree()
    before = await all_events(client, admin)

    refused = [
        await client.post(
            "/api/v1/org-units",
            json={"code": "HOU", "name": "Dup", "kind": "service", "parent_code": "PEO"},
            headers=admin,
        ),
        await client.patch("/api/v1/org-units/HOU", json={"kind": "ward"}, headers=admin),
        await client.post("/api/v1/periods/2030-31-Q1/open", headers=admin),
    ]

    assert [response.status_code for response in refused] == [409, 422, 404]
    assert await all_events(client, admin) == before


async def test_events_are_listed_newest_first_and_form_a_hash_chain(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    await factory.financial_year(2025, open_all=False)
    await client.patch("/api/v1/org-units/HOU", json={"name": "Housing"}, headers=admin)
    await client.post("/api/v1/periods/2025-26-Q1/open", headers=admin)

    events = await all_events(client, admin)

    ids = [event["id"] for event in events]
    assert ids == sorted(ids, reverse=True)
    oldest_first = list(reversed(events))
    assert oldest_first[0]["prev_hash"] == "0" * 64
    for previous, event in itertools.pairwise(oldest_first):
        assert event["prev_hash"] == previous["hash"]


# --- filters -------------------------------------------------------------------------------


@pytest.fixture
async def history(
    client: AsyncClient, factory: Factory, admin: dict[str, str], pinned_clock: None
) -> dict[str, uuid.UUID]:
    """Three org-unit changes by two people on three mornings in May 2025."""
    officer_id = await factory.user(Role.PERFORMANCE_TEAM)
    officer = bearer(factory, officer_id)
    steps: list[tuple[datetime, dict[str, str], str, str, dict[str, Any]]] = [
        (
            datetime(2025, 5, 1, 9, tzinfo=UTC),
            admin,
            "POST",
            "/api/v1/org-units",
            {"code": "HOU-NEW", "name": "New team", "kind": "team", "parent_code": "HOU"},
        ),
        (
            datetime(2025, 5, 2, 9, tzinfo=UTC),
            officer,
            "PATCH",
            "/api/v1/org-units/HOU",
            {"name": "Housing"},
        ),
        (
            datetime(2025, 5, 3, 9, tzinfo=UTC),
            admin,
            "PATCH",
            "/api/v1/org-units/HOU-NEW",
            {"name": "Newer team"},
        ),
    ]
    for moment, headers, method, path, body in steps:
        freeze(moment)
        response = await client.request(method, path, json=body, headers=headers)
        assert response.is_success, response.text
    freeze(None)
    return {"officer": officer_id}


def _summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(event["action"], event["entity_id"]) for event in events]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"entity_type": "org_unit"},
            [("update", "HOU-NEW"), ("update", "HOU"), ("create", "HOU-NEW")],
        ),
        (
            {"entity_type": "org_unit", "entity_id": "HOU-NEW"},
            [("update", "HOU-NEW"), ("create", "HOU-NEW")],
        ),
        ({"entity_type": "org_unit", "action": "create"}, [("create", "HOU-NEW")]),
        ({"entity_type": "period"}, []),
        (
            {"entity_type": "org_unit", "since": "2025-05-02T09:00:00Z"},
            [("update", "HOU-NEW"), ("update", "HOU")],
        ),
        (
            {"entity_type": "org_unit", "since": "2025-05-02T10:00:00+01:00"},
            [("update", "HOU-NEW"), ("update", "HOU")],
        ),
        ({"entity_type": "org_unit", "until": "2025-05-02T09:00:00Z"}, [("create", "HOU-NEW")]),
        (
            {
                "entity_type": "org_unit",
                "since": "2025-05-01T00:00:00Z",
                "until": "2025-05-03T00:00:00Z",
            },
            [("update", "HOU"), ("create", "HOU-NEW")],
        ),
        ({"entity_type": "org_unit", "since": "2025-05-04T00:00:00Z"}, []),
    ],
    ids=[
        "entity-type",
        "entity-id",
        "action",
        "no-match",
        "since-inclusive",
        "since-with-offset",
        "until-exclusive",
        "between",
        "after-everything",
    ],
)
async def test_the_trail_filters_by_entity_action_and_time(
    client: AsyncClient,
    admin: dict[str, str],
    history: dict[str, uuid.UUID],
    params: dict[str, str],
    expected: list[tuple[str, str]],
) -> None:
    response = await client.get(AUDIT, params=params, headers=admin)

    assert response.status_code == 200, response.text
    assert _summary(response.json()["items"]) == expected
    assert response.json()["total"] == len(expected)


async def test_the_trail_filters_by_actor(
    client: AsyncClient, admin: dict[str, str], admin_id: uuid.UUID, history: dict[str, uuid.UUID]
) -> None:
    by_officer = await all_events(client, admin, actor_id=str(history["officer"]))
    by_admin = await all_events(client, admin, actor_id=str(admin_id))

    assert _summary(by_officer) == [("update", "HOU")]
    assert {event["actor_id"] for event in by_officer} == {str(history["officer"])}
    assert _summary(by_admin) == [("update", "HOU-NEW"), ("create", "HOU-NEW")]
    assert await all_events(client, admin, actor_id=str(uuid.uuid4())) == []


async def test_the_trail_is_paged(
    client: AsyncClient, admin: dict[str, str], history: dict[str, uuid.UUID]
) -> None:
    first = await client.get(
        AUDIT, params={"entity_type": "org_unit", "page_size": 2}, headers=admin
    )
    second = await client.get(
        AUDIT, params={"entity_type": "org_unit", "page_size": 2, "page": 2}, headers=admin
    )

    assert first.json()["total"] == second.json()["total"] == 3
    assert _summary(first.json()["items"] + second.json()["items"]) == [
        ("update", "HOU-NEW"),
        ("update", "HOU"),
        ("create", "HOU-NEW"),
    ]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"actor_id": "someone"}, ["query", "actor_id"]),
        ({"since": "yesterday"}, ["query", "since"]),
        ({"until": "2025-13-01T00:00:00Z"}, ["query", "until"]),
        ({"page_size": 501}, ["query", "page_size"]),
    ],
    ids=["actor-not-uuid", "since-words", "until-impossible", "page-size-501"],
)
async def test_bad_filters_are_422(
    client: AsyncClient, admin: dict[str, str], params: dict[str, str], loc: list[str]
) -> None:
    body = assert_problem(await client.get(AUDIT, params=params, headers=admin), 422)
    assert loc in [error["loc"] for error in body["errors"]]


@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize("value", ["2025-05-02T09:00:00", "2025-05-02"], ids=["naive", "date"])
async def test_a_time_filter_without_a_zone_is_answered_not_a_500(
    app: FastAPI, factory: Factory, param: str, value: str
) -> None:
    admin = await factory.headers(Role.ADMIN)
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get(AUDIT, params={param: value}, headers=admin)

    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422)


# --- the hash chain ------------------------------------------------------------------------


async def test_an_untouched_chain_verifies(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    await factory.financial_year(2025, open_all=False)
    await client.post(
        "/api/v1/periods/2025-26/open", json={"include_children": True}, headers=admin
    )
    await client.patch("/api/v1/org-units/HOU", json={"name": "Housing"}, headers=admin)
    total = (await client.get(AUDIT, params={"page_size": 1}, headers=admin)).json()["total"]

    response = await client.get(VERIFY, headers=admin)

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "checked": total,
        "first_bad_id": None,
        "reason": None,
        "checkpoint_seq": response.json()["checkpoint_seq"],
        "pending": 0,
    }
    assert response.json()["checkpoint_seq"] is not None


async def tamper(
    connection: AsyncConnection, *, is_postgres: bool, statement: str, event_id: int
) -> None:
    """Change the table as its owner could: on PostgreSQL, past the append-only trigger."""
    if is_postgres:
        # Rolled back with the test's transaction, like everything else here.
        await connection.execute(
            text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        )
    await connection.execute(text(statement), {"id": event_id})


async def test_on_postgresql_the_database_itself_refuses_to_alter_or_delete_an_event(
    client: AsyncClient, connection: AsyncConnection, admin: dict[str, str], is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("the append-only trigger is created on PostgreSQL only")
    [event] = await all_events(client, admin)

    for statement in (
        "UPDATE audit_event SET reason = 'rewritten' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with connection.begin_nested():
                await connection.execute(text(statement), {"id": event["id"]})

    assert await all_events(client, admin) == [event]


@pytest.mark.parametrize(
    "column",
    ["actor_name", "reason", "occurred_at"],
)
async def test_an_event_altered_behind_the_apis_back_is_named_by_verify(
    client: AsyncClient,
    connection: AsyncConnection,
    admin: dict[str, str],
    is_postgres: bool,
    column: str,
) -> None:
    statement = {
        "actor_name": "UPDATE audit_event SET actor_name = 'someone else' WHERE id = :id",
        "reason": "UPDATE audit_event SET reason = 'nothing to see' WHERE id = :id",
        "occurred_at": (
            "UPDATE audit_event SET occurred_at = occurred_at - interval '1 day' WHERE id = :id"
            if is_postgres
            else "UPDATE audit_event SET occurred_at = datetime(occurred_at, '-1 day') "
            "WHERE id = :id"
        ),
    }[column]
    for name in ("One", "Two", "Three"):
        await client.patch("/api/v1/org-units/HOU", json={"name": name}, headers=admin)
    events = await all_events(client, admin, entity_type="org_unit")
    middle = events[1]["id"]

    await tamper(connection, is_postgres=is_postgres, statement=statement, event_id=middle)
    response = await client.get(VERIFY, headers=admin)

    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert response.json()["first_bad_id"] == middle


async def test_an_event_deleted_behind_the_apis_back_breaks_the_chain_at_the_next_one(
    client: AsyncClient, connection: AsyncConnection, admin: dict[str, str], is_postgres: bool
) -> None:
    for name in ("One", "Two", "Three"):
        await client.patch("/api/v1/org-units/HOU", json={"name": name}, headers=admin)
    newest, middle, _oldest = await all_events(client, admin, entity_type="org_unit")

    await tamper(
        connection,
        is_postgres=is_postgres,
        statement="DELETE FROM audit_event WHERE id = :id",
        event_id=middle["id"],
    )
    response = await client.get(VERIFY, headers=admin)

    assert response.json()["ok"] is False
    assert response.json()["first_bad_id"] == newest["id"]
