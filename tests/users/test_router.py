"""People over HTTP: accounts, roles over org units, and the admin that must always remain."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import assert_invalid, assert_problem, bearer

USERS = "/api/v1/users"
HUGE = "x" * (1024 * 1024 + 1)
PASSWORD = "a long enough passphrase"

Snapshot = tuple[list[dict[str, Any]], int]


def roles_of(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((grant["role"], grant["org_unit_code"]) for grant in body["roles"])


async def snapshot(client: AsyncClient, admin: dict[str, str]) -> Snapshot:
    """Every account and the audit trail's length: equal snapshots mean nothing changed."""
    users = await client.get(USERS, params={"page_size": 500}, headers=admin)
    events = await client.get("/api/v1/audit-events", params={"page_size": 1}, headers=admin)
    assert users.status_code == events.status_code == 200
    return users.json()["items"], events.json()["total"]


async def emails(client: AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await client.get(USERS, params={"page_size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(user["email"] for user in response.json()["items"])


async def latest_event(
    client: AsyncClient, admin: dict[str, str], entity_id: uuid.UUID | str
) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/audit-events",
        params={"entity_type": "user", "entity_id": str(entity_id), "page_size": 1},
        headers=admin,
    )
    assert response.status_code == 200
    event: dict[str, Any] = response.json()["items"][0]
    return event


async def sign_in(client: AsyncClient, email: str, password: str) -> int:
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )
    return response.status_code


@pytest.fixture
async def admin_id(factory: Factory) -> uuid.UUID:
    return await factory.user(Role.ADMIN, email="the.admin@council.gov.uk")


@pytest.fixture
def admin(factory: Factory, admin_id: uuid.UUID) -> dict[str, str]:
    return bearer(factory, admin_id)


@pytest.fixture
async def target(factory: Factory) -> uuid.UUID:
    return await factory.user(Role.STAFF, "HOU", email="sam.staff@council.gov.uk")


# --- who may do what -----------------------------------------------------------------------


def _endpoints(user_id: uuid.UUID) -> list[tuple[str, str, dict[str, Any] | None]]:
    grant = {"role": "staff", "org_unit_code": "HOU"}
    return [
        ("GET", USERS, None),
        ("POST", USERS, {"email": "new@council.gov.uk", "full_name": "New Person"}),
        ("GET", f"{USERS}/{user_id}", None),
        ("PATCH", f"{USERS}/{user_id}", {"full_name": "Changed"}),
        ("POST", f"{USERS}/{user_id}/roles", {"role": "director", "org_unit_code": "PEO"}),
        ("DELETE", f"{USERS}/{user_id}/roles", grant),
    ]


@pytest.mark.parametrize(
    "index", range(6), ids=[f"{m} {p}" for m, p, _ in _endpoints(uuid.UUID(int=0))]
)
async def test_anonymous_callers_get_401_with_a_bearer_challenge(
    client: AsyncClient, target: uuid.UUID, index: int
) -> None:
    method, path, body = _endpoints(target)[index]

    response = await client.request(method, path, json=body)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("role", "unit"), [(None, None), (Role.COUNCILLOR, None)], ids=str)
async def test_people_without_users_read_cannot_list_or_see_accounts(
    client: AsyncClient, factory: Factory, target: uuid.UUID, role: Role | None, unit: str | None
) -> None:
    headers = await factory.headers(role, unit)

    assert_problem(await client.get(USERS, headers=headers), 403)
    assert_problem(await client.get(f"{USERS}/{target}", headers=headers), 403)


async def test_a_staff_member_can_read_users_and_their_roles(
    client: AsyncClient, factory: Factory, target: uuid.UUID
) -> None:
    staff = await factory.headers(Role.STAFF, "WST")

    listed = await client.get(USERS, headers=staff)
    one = await client.get(f"{USERS}/{target}", headers=staff)

    assert listed.status_code == 200
    assert "sam.staff@council.gov.uk" in [user["email"] for user in listed.json()["items"]]
    assert one.status_code == 200
    assert one.json()["email"] == "sam.staff@council.gov.uk"
    assert one.json()["roles"] == [{"role": "staff", "org_unit_code": "HOU"}]
    assert one.headers["etag"]


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.PERFORMANCE_TEAM, None),
        (Role.DIRECTOR, "PEO"),
        (Role.HEAD_OF_SERVICE, "HOU"),
        (Role.STAFF, "HOU"),
        (Role.AUDITOR, None),
        (Role.COUNCILLOR, None),
    ],
    ids=str,
)
async def test_only_admins_may_create_change_or_grant(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    target: uuid.UUID,
    role: Role,
    unit: str | None,
) -> None:
    headers = await factory.headers(role, unit)
    before = await snapshot(client, admin)

    for method, path, body in _endpoints(target):
        if method == "GET":
            continue
        response = await client.request(method, path, json=body, headers=headers)
        assert_problem(response, 403)

    assert await snapshot(client, admin) == before


async def test_a_person_cannot_grant_themselves_a_role(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    me = await factory.user(Role.STAFF, "HOU")

    response = await client.post(
        f"{USERS}/{me}/roles",
        json={"role": "admin", "org_unit_code": None},
        headers=bearer(factory, me),
    )

    assert_problem(response, 403)
    assert (await client.get(f"{USERS}/{me}", headers=admin)).json()["roles"] == [
        {"role": "staff", "org_unit_code": "HOU"}
    ]


# --- creating accounts ---------------------------------------------------------------------


async def test_an_admin_creates_a_user_with_roles(
    client: AsyncClient, admin: dict[str, str], admin_id: uuid.UUID
) -> None:
    response = await client.post(
        USERS,
        json={
            "email": "New.Person@Council.gov.uk",
            "full_name": "New Person",
            "job_title": "Housing Officer",
            "roles": [
                {"role": "head_of_service", "org_unit_code": "HOU"},
                {"role": "staff", "org_unit_code": "HOU-OPT"},
                {"role": "auditor", "org_unit_code": None},
            ],
        },
        headers=admin,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "new.person@council.gov.uk"
    assert (body["full_name"], body["job_title"], body["is_active"]) == (
        "New Person",
        "Housing Officer",
        True,
    )
    assert roles_of(body) == [
        ("auditor", None),
        ("head_of_service", "HOU"),
        ("staff", "HOU-OPT"),
    ]
    assert not {"password", "password_hash"} & set(body)
    assert response.headers["location"] == f"{USERS}/{body['id']}"
    assert response.headers["etag"]
    fetched = await client.get(response.headers["location"], headers=admin)
    assert fetched.json() == body
    event = await latest_event(client, admin, body["id"])
    assert (event["action"], event["actor_id"], event["before"]) == ("create", str(admin_id), None)
    assert event["after"]["email"] == "new.person@council.gov.uk"
    assert len(event["after"]["roles"]) == 3


async def test_the_same_role_listed_twice_is_granted_once(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    grant = {"role": "staff", "org_unit_code": "HOU"}

    response = await client.post(
        USERS,
        json={"email": "twice@council.gov.uk", "full_name": "Twice", "roles": [grant, grant]},
        headers=admin,
    )

    assert response.status_code == 201
    assert response.json()["roles"] == [grant]


async def test_a_user_created_with_a_password_can_sign_in_and_one_without_cannot(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    with_password = await client.post(
        USERS,
        json={"email": "pat@council.gov.uk", "full_name": "Pat", "password": PASSWORD},
        headers=admin,
    )
    without = await client.post(
        USERS, json={"email": "nopass@council.gov.uk", "full_name": "No Pass"}, headers=admin
    )
    assert with_password.status_code == without.status_code == 201

    assert await sign_in(client, "pat@council.gov.uk", PASSWORD) == 200
    assert await sign_in(client, "nopass@council.gov.uk", PASSWORD) == 401


@pytest.mark.parametrize("email", ["sam.staff@council.gov.uk", "SAM.Staff@Council.GOV.uk"])
async def test_a_duplicate_email_is_409_whatever_its_case(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID, email: str
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(USERS, json={"email": email, "full_name": "Copy"}, headers=admin)

    assert assert_problem(response, 409)["type"].endswith("duplicate-email")
    assert await snapshot(client, admin) == before


async def test_a_role_over_an_unknown_org_unit_is_422_and_no_account_is_made(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        USERS,
        json={
            "email": "ghost@council.gov.uk",
            "full_name": "Ghost",
            "roles": [{"role": "staff", "org_unit_code": "NOPE"}],
        },
        headers=admin,
    )

    assert_problem(response, 422)
    assert response.json()["errors"]
    assert await snapshot(client, admin) == before


# --- changing accounts ---------------------------------------------------------------------


async def test_an_admin_changes_a_persons_details_and_it_is_audited(
    client: AsyncClient, admin: dict[str, str], admin_id: uuid.UUID, target: uuid.UUID
) -> None:
    response = await client.patch(
        f"{USERS}/{target}",
        json={
            "full_name": "Samantha Staff",
            "email": "Samantha@Council.gov.uk",
            "job_title": "Lead",
        },
        headers=admin,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["full_name"], body["email"], body["job_title"]) == (
        "Samantha Staff",
        "samantha@council.gov.uk",
        "Lead",
    )
    assert (await client.get(f"{USERS}/{target}", headers=admin)).json() == body
    event = await latest_event(client, admin, target)
    assert (event["action"], event["actor_id"]) == ("update", str(admin_id))
    assert event["before"]["email"] == "sam.staff@council.gov.uk"
    assert event["after"]["email"] == "samantha@council.gov.uk"


async def test_a_job_title_can_be_cleared_but_a_name_cannot(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID
) -> None:
    await client.patch(f"{USERS}/{target}", json={"job_title": "Officer"}, headers=admin)

    response = await client.patch(
        f"{USERS}/{target}", json={"job_title": None, "full_name": None}, headers=admin
    )

    assert response.status_code == 200
    assert response.json()["job_title"] is None
    assert response.json()["full_name"] == "Test Person"


async def test_changing_email_to_one_already_used_is_409(
    client: AsyncClient, factory: Factory, admin: dict[str, str], target: uuid.UUID
) -> None:
    await factory.user(Role.STAFF, "WST", email="taken@council.gov.uk")
    before = await snapshot(client, admin)

    response = await client.patch(
        f"{USERS}/{target}", json={"email": "Taken@council.gov.uk"}, headers=admin
    )

    assert_problem(response, 409)
    assert await snapshot(client, admin) == before


async def test_an_admin_sets_a_password_and_the_person_can_then_sign_in(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID
) -> None:
    response = await client.patch(f"{USERS}/{target}", json={"password": PASSWORD}, headers=admin)

    assert response.status_code == 200
    assert "password" not in response.text
    assert await sign_in(client, "sam.staff@council.gov.uk", PASSWORD) == 200


async def test_a_deactivated_person_is_listed_as_inactive_and_can_be_reactivated(
    client: AsyncClient, factory: Factory, admin: dict[str, str], target: uuid.UUID
) -> None:
    token = bearer(factory, target)

    off = await client.patch(f"{USERS}/{target}", json={"is_active": False}, headers=admin)

    assert off.status_code == 200
    assert off.json()["is_active"] is False
    assert await emails(client, admin, is_active="false") == ["sam.staff@council.gov.uk"]
    assert (await client.get("/api/v1/me", headers=token)).status_code == 401

    on = await client.patch(f"{USERS}/{target}", json={"is_active": True}, headers=admin)

    assert on.json()["is_active"] is True
    assert await emails(client, admin, is_active="false") == []
    assert (await client.get("/api/v1/me", headers=token)).status_code == 200


async def test_the_last_active_admin_cannot_be_deactivated(
    client: AsyncClient, admin: dict[str, str], admin_id: uuid.UUID
) -> None:
    before = await snapshot(client, admin)

    response = await client.patch(f"{USERS}/{admin_id}", json={"is_active": False}, headers=admin)

    assert assert_problem(response, 409)["type"].endswith("last-admin")
    assert await snapshot(client, admin) == before


async def test_the_last_active_admin_cannot_lose_the_admin_role(
    client: AsyncClient, admin: dict[str, str], admin_id: uuid.UUID
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(
        "DELETE", f"{USERS}/{admin_id}/roles", json={"role": "admin"}, headers=admin
    )

    assert assert_problem(response, 409)["type"].endswith("last-admin")
    assert await snapshot(client, admin) == before


async def test_with_a_second_admin_appointed_one_admin_can_be_deactivated_or_demoted(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    second = await factory.user(Role.ADMIN)
    third = await factory.user(Role.ADMIN)

    off = await client.patch(f"{USERS}/{second}", json={"is_active": False}, headers=admin)
    demoted = await client.request(
        "DELETE", f"{USERS}/{third}/roles", json={"role": "admin"}, headers=admin
    )

    assert off.status_code == 200
    assert demoted.status_code == 200
    assert demoted.json()["roles"] == []
    assert await emails(client, admin, role="admin", is_active="true") == [
        "the.admin@council.gov.uk"
    ]


async def test_a_deactivated_admin_can_lose_the_admin_role_while_one_active_admin_remains(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    leaver = await factory.user(Role.ADMIN)
    off = await client.patch(f"{USERS}/{leaver}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200

    response = await client.request(
        "DELETE", f"{USERS}/{leaver}/roles", json={"role": "admin"}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert response.json()["roles"] == []


# --- roles ---------------------------------------------------------------------------------


async def test_an_admin_scoped_to_one_service_cannot_make_itself_a_council_wide_admin(
    client: AsyncClient, factory: Factory, admin: dict[str, str]
) -> None:
    created = await client.post(
        USERS,
        json={
            "email": "local.admin@council.gov.uk",
            "full_name": "Local Admin",
            "roles": [{"role": "admin", "org_unit_code": "HOU"}],
        },
        headers=admin,
    )
    if created.status_code != 201:
        return  # refusing scoped admin grants outright closes the hole too
    local_id = uuid.UUID(created.json()["id"])

    response = await client.post(
        f"{USERS}/{local_id}/roles",
        json={"role": "admin", "org_unit_code": None},
        headers=bearer(factory, local_id),
    )

    assert_problem(response, 403)


async def test_a_role_change_moves_the_users_etag_on(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID
) -> None:
    before = (await client.get(f"{USERS}/{target}", headers=admin)).headers["etag"]

    granted = await client.post(
        f"{USERS}/{target}/roles", json={"role": "director", "org_unit_code": "PEO"}, headers=admin
    )
    assert granted.status_code == 201

    assert (await client.get(f"{USERS}/{target}", headers=admin)).headers["etag"] != before


async def test_a_granted_role_counts_from_the_persons_next_request(
    client: AsyncClient,
    factory: Factory,
    admin: dict[str, str],
    admin_id: uuid.UUID,
    target: uuid.UUID,
) -> None:
    token = bearer(factory, target)
    new_unit = {"code": "HOU-NEW", "name": "New", "kind": "team", "parent_code": "HOU"}
    assert (await client.post("/api/v1/org-units", json=new_unit, headers=token)).status_code == 403

    granted = await client.post(
        f"{USERS}/{target}/roles",
        json={"role": "performance_team", "org_unit_code": None},
        headers=admin,
    )

    assert granted.status_code == 201, granted.text
    assert roles_of(granted.json()) == [("performance_team", None), ("staff", "HOU")]
    me = (await client.get("/api/v1/me", headers=token)).json()
    assert {"role": "performance_team", "org_unit_code": None} in me["roles"]
    assert (await client.post("/api/v1/org-units", json=new_unit, headers=token)).status_code == 201
    event = await latest_event(client, admin, target)
    assert (event["action"], event["actor_id"]) == ("grant_role", str(admin_id))
    assert len(event["before"]["roles"]) == 1
    assert len(event["after"]["roles"]) == 2
    assert event["request_id"] == granted.headers["x-request-id"]


async def test_a_council_wide_role_is_granted_with_a_null_org_unit(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID
) -> None:
    response = await client.post(
        f"{USERS}/{target}/roles", json={"role": "auditor", "org_unit_code": None}, headers=admin
    )

    assert response.status_code == 201
    assert ("auditor", None) in roles_of(response.json())


async def test_granting_a_role_already_held_leaves_one_grant(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID
) -> None:
    response = await client.post(
        f"{USERS}/{target}/roles", json={"role": "staff", "org_unit_code": "HOU"}, headers=admin
    )

    assert response.status_code == 201
    assert response.json()["roles"] == [{"role": "staff", "org_unit_code": "HOU"}]


async def test_revoking_a_role_takes_it_away_and_is_audited(
    client: AsyncClient, factory: Factory, admin: dict[str, str], target: uuid.UUID
) -> None:
    token = bearer(factory, target)

    response = await client.request(
        "DELETE",
        f"{USERS}/{target}/roles",
        json={"role": "staff", "org_unit_code": "HOU"},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    assert response.json()["roles"] == []
    assert (await client.get("/api/v1/me", headers=token)).json()["roles"] == []
    assert_problem(await client.get(USERS, headers=token), 403)
    event = await latest_event(client, admin, target)
    assert event["action"] == "revoke_role"
    assert event["before"]["roles"] == [{"role": "staff", "org_unit_code": "HOU"}]
    assert event["after"]["roles"] == []


@pytest.mark.parametrize(
    "grant",
    [
        {"role": "director", "org_unit_code": "PEO"},
        {"role": "staff", "org_unit_code": "WST"},
        {"role": "staff", "org_unit_code": "NOPE"},
    ],
    ids=["other-role", "same-role-other-unit", "unknown-unit"],
)
async def test_revoking_a_role_not_held_is_409(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID, grant: dict[str, Any]
) -> None:
    before = await snapshot(client, admin)

    response = await client.request("DELETE", f"{USERS}/{target}/roles", json=grant, headers=admin)

    assert assert_problem(response, 409)["type"].endswith("role-not-held")
    assert await snapshot(client, admin) == before


async def test_granting_a_role_over_an_unknown_org_unit_is_422(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(
        f"{USERS}/{target}/roles", json={"role": "director", "org_unit_code": "NOPE"}, headers=admin
    )

    assert_invalid(response, ["body", "org_unit_code"])
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"full_name": "x"}),
        ("POST", "/roles", {"role": "staff", "org_unit_code": "HOU"}),
        ("DELETE", "/roles", {"role": "staff", "org_unit_code": "HOU"}),
    ],
    ids=["get", "patch", "grant", "revoke"],
)
async def test_an_unknown_user_is_404(
    client: AsyncClient, admin: dict[str, str], method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await client.request(
        method, f"{USERS}/{uuid.uuid4()}{path}", json=body, headers=admin
    )

    assert assert_problem(response, 404)["type"].endswith("user-not-found")


async def test_a_user_id_that_is_not_a_uuid_is_422(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    assert_invalid(await client.get(f"{USERS}/42", headers=admin), ["path", "user_id"])


# --- listing -------------------------------------------------------------------------------


@pytest.fixture
async def staffing(factory: Factory, admin: dict[str, str]) -> None:
    await factory.user(Role.DIRECTOR, "PEO", email="dora.director@council.gov.uk")
    await factory.user(Role.HEAD_OF_SERVICE, "HOU", email="harry.head@council.gov.uk")
    await factory.user(Role.STAFF, "HOU-OPT", email="olive.options@council.gov.uk")
    await factory.user(Role.STAFF, "WST", email="walt.waste@council.gov.uk")
    await factory.user(
        Role.AUDITOR, None, email="audrey.auditor@council.gov.uk", extra_roles=[(Role.STAFF, "ASC")]
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "dora"}, ["dora.director@council.gov.uk"]),
        ({"q": "HEAD@"}, ["harry.head@council.gov.uk"]),
        (
            {"role": "staff"},
            [
                "audrey.auditor@council.gov.uk",
                "olive.options@council.gov.uk",
                "walt.waste@council.gov.uk",
            ],
        ),
        ({"role": "admin"}, ["the.admin@council.gov.uk"]),
        (
            {"org_unit": "PEO"},
            [
                "audrey.auditor@council.gov.uk",
                "dora.director@council.gov.uk",
                "harry.head@council.gov.uk",
                "olive.options@council.gov.uk",
            ],
        ),
        ({"org_unit": "HOU"}, ["harry.head@council.gov.uk", "olive.options@council.gov.uk"]),
        ({"org_unit": "HOU-OPT"}, ["olive.options@council.gov.uk"]),
        (
            {"org_unit": "PEO", "role": "staff"},
            ["audrey.auditor@council.gov.uk", "olive.options@council.gov.uk"],
        ),
        ({"org_unit": "PLA", "role": "director"}, []),
        ({"is_active": "true", "q": "walt"}, ["walt.waste@council.gov.uk"]),
        ({"is_active": "false"}, []),
    ],
    ids=lambda value: str(value),
)
async def test_the_list_filters_by_name_role_org_unit_with_descendants_and_activity(
    client: AsyncClient,
    admin: dict[str, str],
    staffing: None,
    params: dict[str, str],
    expected: list[str],
) -> None:
    response = await client.get(USERS, params={"page_size": 500, **params}, headers=admin)

    assert response.status_code == 200
    assert sorted(user["email"] for user in response.json()["items"]) == expected
    assert response.json()["total"] == len(expected)


async def test_the_list_is_paged(
    client: AsyncClient, admin: dict[str, str], staffing: None
) -> None:
    first = await client.get(USERS, params={"page_size": 2}, headers=admin)
    third = await client.get(USERS, params={"page_size": 2, "page": 3}, headers=admin)

    assert first.json()["total"] == third.json()["total"] == 6
    assert len(first.json()["items"]) == 2
    assert len(third.json()["items"]) == 2
    ids = {user["id"] for user in first.json()["items"]} | {
        user["id"] for user in third.json()["items"]
    }
    assert len(ids) == 4


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"page_size": 501}, ["query", "page_size"]),
        ({"role": "superuser"}, ["query", "role"]),
        ({"is_active": "perhaps"}, ["query", "is_active"]),
        ({"q": "x" * 101}, ["query", "q"]),
    ],
    ids=["page-size-501", "unknown-role", "is-active-not-bool", "long-q"],
)
async def test_bad_list_parameters_are_422(
    client: AsyncClient, admin: dict[str, str], params: dict[str, Any], loc: list[str]
) -> None:
    assert_invalid(await client.get(USERS, params=params, headers=admin), loc)


async def test_filtering_by_an_unknown_org_unit_is_404(
    client: AsyncClient, admin: dict[str, str]
) -> None:
    assert_problem(await client.get(USERS, params={"org_unit": "NOPE"}, headers=admin), 404)


# --- bad input changes nothing -------------------------------------------------------------

NEW = {"email": "new@council.gov.uk", "full_name": "New Person"}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**NEW, "email": "not-an-email"}, ["body", "email"]),
        ({**NEW, "email": 42}, ["body", "email"]),
        ({**NEW, "full_name": ""}, ["body", "full_name"]),
        ({"email": "new@council.gov.uk"}, ["body", "full_name"]),
        ({**NEW, "password": "short"}, ["body", "password"]),
        ({**NEW, "roles": "staff"}, ["body", "roles"]),
        ({**NEW, "roles": [{"role": "superuser"}]}, ["body", "roles", 0, "role"]),
        ({**NEW, "roles": [{"role": "staff", "unit": "HOU"}]}, ["body", "roles", 0, "unit"]),
        ({**NEW, "is_admin": True}, ["body", "is_admin"]),
        ({**NEW, "roles": [{"role": "staff"}] * 51}, ["body", "roles"]),
    ],
    ids=[
        "email-invalid",
        "email-number",
        "name-empty",
        "name-missing",
        "password-short",
        "roles-not-a-list",
        "role-unknown",
        "role-unknown-field",
        "unknown-field",
        "too-many-roles",
    ],
)
async def test_creating_with_invalid_fields_is_422_and_adds_nothing(
    client: AsyncClient, admin: dict[str, str], body: dict[str, Any], loc: list[Any]
) -> None:
    before = await snapshot(client, admin)

    response = await client.post(USERS, json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"is_active": "perhaps"}, ["body", "is_active"]),
        ({"email": "nope"}, ["body", "email"]),
        ({"password": "short"}, ["body", "password"]),
        ({"roles": [{"role": "admin"}]}, ["body", "roles"]),
        ({"id": str(uuid.uuid4())}, ["body", "id"]),
    ],
    ids=[
        "is-active-not-bool",
        "email-invalid",
        "password-short",
        "roles-not-patchable",
        "id-not-patchable",
    ],
)
async def test_changing_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient,
    admin: dict[str, str],
    target: uuid.UUID,
    body: dict[str, Any],
    loc: list[Any],
) -> None:
    before = await snapshot(client, admin)

    response = await client.patch(f"{USERS}/{target}", json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"role": "king", "org_unit_code": "HOU"}, ["body", "role"]),
        ({"org_unit_code": "HOU"}, ["body", "role"]),
        ({"role": "staff", "org_unit_code": 5}, ["body", "org_unit_code"]),
        ({"role": "staff", "org_unit": "HOU"}, ["body", "org_unit"]),
    ],
    ids=["role-unknown", "role-missing", "unit-number", "unknown-field"],
)
async def test_granting_or_revoking_with_invalid_fields_is_422_and_changes_nothing(
    client: AsyncClient,
    admin: dict[str, str],
    target: uuid.UUID,
    method: str,
    body: dict[str, Any],
    loc: list[Any],
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(method, f"{USERS}/{target}/roles", json=body, headers=admin)

    assert_invalid(response, loc)
    assert await snapshot(client, admin) == before


WRITES = [("POST", ""), ("PATCH", "/{id}"), ("POST", "/{id}/roles"), ("DELETE", "/{id}/roles")]


@pytest.mark.parametrize(("method", "suffix"), WRITES, ids=[f"{m} {s}" for m, s in WRITES])
async def test_malformed_json_is_400_and_changes_nothing(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID, method: str, suffix: str
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(
        method,
        USERS + suffix.format(id=target),
        content=b'{"email": "x@council.gov.uk",',
        headers={**admin, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 400)["type"].endswith("malformed")
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(("method", "suffix"), WRITES, ids=[f"{m} {s}" for m, s in WRITES])
async def test_an_oversized_body_is_413_and_changes_nothing(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID, method: str, suffix: str
) -> None:
    before = await snapshot(client, admin)

    response = await client.request(
        method,
        USERS + suffix.format(id=target),
        json={"email": "big@council.gov.uk", "full_name": HUGE, "role": "staff"},
        headers=admin,
    )

    assert response.status_code == 413
    assert await snapshot(client, admin) == before


@pytest.mark.parametrize(
    "grant",
    [
        {"role": "admin", "org_unit_code": "HOU"},
        {"role": "performance_team", "org_unit_code": "PEO"},
        {"role": "auditor", "org_unit_code": "HOU"},
        {"role": "councillor", "org_unit_code": "HOU"},
        {"role": "director", "org_unit_code": None},
        {"role": "head_of_service", "org_unit_code": None},
        {"role": "staff", "org_unit_code": None},
    ],
    ids=lambda grant: f"{grant['role']}-{grant['org_unit_code']}",
)
async def test_council_wide_roles_take_no_unit_and_scoped_roles_need_one(
    client: AsyncClient, admin: dict[str, str], target: uuid.UUID, grant: dict[str, object]
) -> None:
    response = await client.post(f"{USERS}/{target}/roles", json=grant, headers=admin)

    assert_problem(response, 422)
    after = (await client.get(f"{USERS}/{target}", headers=admin)).json()
    assert roles_of(after) == [("staff", "HOU")]
