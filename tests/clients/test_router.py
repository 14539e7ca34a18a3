"""Machine clients over HTTP: registered by an admin, secret shown once, rotated and revoked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient, Response

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import assert_invalid, assert_problem

CLIENTS = "/api/v1/api-clients"
TOKEN = "/api/v1/auth/token"
HUGE = "x" * (1024 * 1024 + 1)
HOUSING_SYSTEM = {"name": "Housing system", "scopes": ["values:write"], "org_unit_codes": ["HOU"]}

Snapshot = tuple[list[dict[str, Any]], int]


def bearer_token(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: AsyncClient, client_id: str, secret: str | None) -> Response:
    data = {"grant_type": "client_credentials", "client_id": client_id}
    if secret is not None:
        data["client_secret"] = secret
    return await client.post(TOKEN, data=data)


async def token_for(client: AsyncClient, registered: dict[str, Any]) -> dict[str, str]:
    response = await sign_in(client, registered["client_id"], registered["client_secret"])
    assert response.status_code == 200, response.text
    return bearer_token(response.json()["access_token"])


async def snapshot(client: AsyncClient, admin: dict[str, str]) -> Snapshot:
    """Every client and the audit trail's length: equal snapshots mean nothing changed."""
    clients = await client.get(CLIENTS, params={"page_size": 500}, headers=admin)
    events = await client.get("/api/v1/audit-events", params={"page_size": 1}, headers=admin)
    assert clients.status_code == events.status_code == 200
    return clients.json()["items"], events.json()["total"]


@pytest.fixture
async def admin(factory: Factory) -> dict[str, str]:
    return await factory.headers(Role.ADMIN)


@pytest.fixture
async def registered(client: AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    response = await client.post(CLIENTS, json=HOUSING_SYSTEM, headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- who may manage clients ----------------------------------------------------------------


def _endpoints(client_uuid: uuid.UUID) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", CLIENTS, None),
        ("POST", CLIENTS, HOUSING_SYSTEM),
        ("GET", f"{CLIENTS}/{client_uuid}", None),
        ("POST", f"{CLIENTS}/{client_uuid}/rotate", None),
        ("DELETE", f"{CLIENTS}/{client_uuid}", None),
    ]


ENDPOINT_IDS = [f"{m} {p}" for m, p, _ in _endpoints(uuid.UUID(int=0))]


@pytest.mark.parametrize("index", range(5), ids=ENDPOINT_IDS)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, factory: Factory, index: int
) -> None:
    await factory.org_tree()
    method, path, body = _endpoints(uuid.uuid4())[index]

    response = await client.request(method, path, json=body)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.PERFORMANCE_TEAM, None),
        (Role.DIRECTOR, "PEO"),
        (Role.STAFF, "HOU"),
        (Role.AUDITOR, None),
        (Role.COUNCILLOR, None),
    ],
    ids=str,
)
async def test_only_admins_manage_api_clients(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    registered: dict[str, Any],
    role: Role,
    unit: str | None,
) -> None:
    headers = await factory.headers(role, unit)
    before = await snapshot(client, admin)

    for method, path, body in _endpoints(uuid.UUID(registered["id"])):
        assert_problem(await client.request(method, path, json=body, headers=headers), 403)

    assert await snapshot(client, admin) == before


async def test_a_machine_client_cannot_manage_clients_or_read_beyond_its_scopes(
    client: AsyncClient, admin: dict[str, str], registered: dict[str, Any]
) -> None:
    machine = await token_for(client, registered)

    assert (await client.get("/api/v1/org-units", headers=machine)).status_code == 200
    assert (await client.get("/api/v1/periods", headers=machine)).status_code == 200
    for method, path, body in [
        ("GET", CLIENTS, None),
        ("POST", CLIENTS, HOUSING_SYSTEM),
        ("GET", "/api/v1/users", None),
        ("GET", "/api/v1/audit-events", None),
        ("POST", "/api/v1/org-units", {"code": "X", "name": "X", "kind": "council"}),
        ("POST", "/api/v1/financial-years", {"start_year": 2030}),
    ]:
        assert_problem(await client.request(method, path, json=body, headers=machine), 403)


# --- registering ---------------------------------------------------------------------------


async def test_an_admin_registers_a_client_and_sees_its_secret_only_in_that_answer(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.post(CLIENTS, json=HOUSING_SYSTEM, headers=admin)

    assert response.status_code == 201, response.text
    body = response.json()
    secret = body["client_secret"]
    assert len(secret) >= 32
    assert body["client_id"].startswith("gtc_")
    assert (body["name"], body["scopes"], body["org_unit_codes"]) == (
        "Housing system",
        ["values:write"],
        ["HOU"],
    )
    assert (body["is_active"], body["revoked_at"]) == (True, None)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["location"] == f"{CLIENTS}/{body['id']}"

    one = await client.get(response.headers["location"], headers=admin)
    listed = await client.get(CLIENTS, headers=admin)
    trail = await client.get("/api/v1/audit-events", params={"page_size": 500}, headers=admin)
    assert one.status_code == 200
    assert one.json() == {key: value for key, value in body.items() if key != "client_secret"}
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    for answer in (one, listed, trail):
        assert "client_secret" not in answer.text
        assert secret not in answer.text


async def test_repeated_scopes_and_units_are_kept_once_and_sorted(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.post(
        CLIENTS,
        json={
            "name": "Waste system",
            "scopes": ["values:write", "reports:read", "values:write"],
            "org_unit_codes": ["WST", "HOU", "WST"],
        },
        headers=admin,
    )

    assert response.status_code == 201, response.text
    assert response.json()["scopes"] == ["reports:read", "values:write"]
    assert response.json()["org_unit_codes"] == ["HOU", "WST"]


async def test_the_client_signs_in_with_client_credentials_and_reads_me(
    client: AsyncClient, registered: dict[str, Any]
) -> None:
    signed_in = await sign_in(client, registered["client_id"], registered["client_secret"])

    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["token_type"] == "bearer"
    assert signed_in.json()["expires_in"] > 0
    me = await client.get("/api/v1/me", headers=bearer_token(signed_in.json()["access_token"]))
    assert me.status_code == 200
    body = me.json()
    assert (body["kind"], body["id"], body["name"]) == (
        "client",
        registered["id"],
        "client:Housing system",
    )
    assert (body["email"], body["full_name"], body["roles"]) == (None, None, [])
    assert "values:write" in body["scopes"]
    assert {"values:write", "org:read"} <= set(body["permissions"])
    assert "users:read" not in body["permissions"]


async def test_me_lists_the_scopes_the_client_was_granted(
    client: AsyncClient, registered: dict[str, Any]
) -> None:
    me = await client.get("/api/v1/me", headers=await token_for(client, registered))

    assert me.json()["scopes"] == ["values:write"]


@pytest.mark.parametrize("mistake", ["wrong-secret", "unknown-client", "no-secret", "empty-secret"])
async def test_wrong_client_credentials_are_401(
    client: AsyncClient, registered: dict[str, Any], mistake: str
) -> None:
    client_id, secret = registered["client_id"], registered["client_secret"]
    if mistake == "wrong-secret":
        secret = "not-the-secret"
    elif mistake == "unknown-client":
        client_id = "gtc_" + "0" * 24
    elif mistake == "no-secret":
        secret = None
    else:
        secret = ""

    response = await sign_in(client, client_id, secret)

    body = assert_problem(response, 401)
    assert body["detail"] == "The credentials are not valid."
    assert "access_token" not in response.text


# --- rotating and revoking -----------------------------------------------------------------


async def test_rotating_issues_a_new_secret_and_the_old_one_stops_working(
    client: AsyncClient, admin: dict[str, str], registered: dict[str, Any]
) -> None:
    old_secret = registered["client_secret"]

    response = await client.post(f"{CLIENTS}/{registered['id']}/rotate", headers=admin)

    assert response.status_code == 200, response.text
    new_secret = response.json()["client_secret"]
    assert new_secret != old_secret
    assert response.json()["client_id"] == registered["client_id"]
    assert response.headers["cache-control"] == "no-store"
    assert (await sign_in(client, registered["client_id"], old_secret)).status_code == 401
    assert (await sign_in(client, registered["client_id"], new_secret)).status_code == 200
    trail = await client.get("/api/v1/audit-events", params={"page_size": 500}, headers=admin)
    assert new_secret not in trail.text
    assert "rotate_secret" in [event["action"] for event in trail.json()["items"]]


async def test_revoking_stops_its_tokens_and_its_sign_in(
    client: AsyncClient, admin: dict[str, str], registered: dict[str, Any]
) -> None:
    machine = await token_for(client, registered)
    assert (await client.get("/api/v1/me", headers=machine)).status_code == 200

    response = await client.delete(f"{CLIENTS}/{registered['id']}", headers=admin)

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get("/api/v1/me", headers=machine), 401)
    assert_problem(await client.get("/api/v1/org-units", headers=machine), 401)
    refused = await sign_in(client, registered["client_id"], registered["client_secret"])
    assert_problem(refused, 401)
    kept = (await client.get(f"{CLIENTS}/{registered['id']}", headers=admin)).json()
    assert kept["is_active"] is False
    assert kept["revoked_at"].endswith("Z")
    listed = (await client.get(CLIENTS, headers=admin)).json()["items"]
    assert [(item["id"], item["is_active"]) for item in listed] == [(registered["id"], False)]


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("POST", "/rotate"), ("DELETE", "")], ids=str
)
async def test_an_unknown_client_is_404(
    client: AsyncClient, admin: dict[str, str], method: str, suffix: str
) -> None:
    response = await client.request(method, f"{CLIENTS}/{uuid.uuid4()}{suffix}", headers=admin)

    assert assert_problem(response, 404)["type"].endswith("api-client-not-found")


async def test_a_client_id_that_is_not_a_uuid_is_422(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    assert_invalid(await client.get(f"{CLIENTS}/gtc_123", headers=admin), ["path", "client_id"])


async def test_a_client_carries_an_etag(
    client: AsyncClient, admin: dict[str, str], registered: dict[str, Any]
) -> None:
    response = await client.get(f"{CLIENTS}/{registered['id']}", headers=admin)

    assert response.headers.get("etag")


async def test_revoking_with_a_stale_if_match_is_412_and_keeps_the_client(
    client: AsyncClient, admin: dict[str, str], registered: dict[str, Any]
) -> None:
    response = await client.delete(
        f"{CLIENTS}/{registered['id']}", headers={**admin, "If-Match": '"999"'}
    )

    assert_problem(response, 412)
    assert (await client.get(f"{CLIENTS}/{registered['id']}", headers=admin)).json()["is_active"]


# --- bad input changes nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**HOUSING_SYSTEM, "scopes": ["values:delete"]}, ["body", "scopes", 0]),
        ({**HOUSING_SYSTEM, "scopes": ["admin"]}, ["body", "scopes", 0]),
        ({**HOUSING_SYSTEM, "scopes": []}, ["body", "scopes"]),
        ({**HOUSING_SYSTEM, "scopes": "values:write"}, ["body", "scopes"]),
        ({**HOUSING_SYSTEM, "scopes": ["values:write"] * 11}, ["body", "scopes"]),
        ({"name": "No scopes", "org_unit_codes": ["HOU"]}, ["body", "scopes"]),
        ({**HOUSING_SYSTEM, "org_unit_codes": []}, ["body", "org_unit_codes"]),
        ({**HOUSING_SYSTEM, "org_unit_codes": [7]}, ["body", "org_unit_codes", 0]),
        ({**HOUSING_SYSTEM, "name": ""}, ["body", "name"]),
        ({**HOUSING_SYSTEM, "name": 42}, ["body", "name"]),
        ({**HOUSING_SYSTEM, "client_secret": "mine"}, ["body", "client_secret"]),
        ({**HOUSING_SYSTEM, "is_active": False}, ["body", "is_active"]),
        (["Housing system"], ["body"]),
    ],
    ids=[
        "unknown-scope",
        "role-as-scope",
        "no-scopes",
        "scopes-not-a-list",
        "too-many-scopes",
        "scopes-missing",
        "no-units",
        "unit-number",
        "name-empty",
        "name-number",
        "secret-not-choosable",
        "unknown-field",
        "not-an-object",
    ],
)
async def test_registering_with_invalid_fields_is_422_and_registers_nothing(
    client: AsyncClient, admin: dict[str, str], body: Any, loc: list[Any]
) -> None:
    await client.get("/api/v1/org-units", headers=admin)
    before = await snapshot(client, admin)

    response = await client.post(CLIENTS, json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


async def test_an_unknown_org_unit_is_422_and_registers_nothing(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        CLIENTS, json={**HOUSING_SYSTEM, "org_unit_codes": ["HOU", "NOPE"]}, headers=admin
    )

    errors = assert_invalid(response)
    assert any("org_unit_codes" in str(error["loc"]) for error in errors)
    assert await snapshot(client, admin) == before


async def test_an_unknown_org_unit_error_points_at_the_list_item(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.post(
        CLIENTS, json={**HOUSING_SYSTEM, "org_unit_codes": ["HOU", "NOPE"]}, headers=admin
    )

    assert_invalid(response, ["body", "org_unit_codes", 1])


async def test_malformed_json_is_400_and_registers_nothing(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        CLIENTS,
        content=b'{"name": "Housing system", "scopes": [',
        headers={**admin, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, admin) == before


async def test_an_oversized_body_is_413_and_registers_nothing(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(CLIENTS, json={**HOUSING_SYSTEM, "name": HUGE}, headers=admin)

    assert response.status_code == 413
    assert await snapshot(client, admin) == before
