"""The HTTP contract every endpoint shares: problem details, request ids, health, ETags."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.access.permissions import Role
from app.core.config import Settings
from app.core.db import create_engine
from app.main import create_app
from tests.factories import Factory
from tests.helpers import assert_problem

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
ONE_MIB = 1024 * 1024
HUGE = "x" * (ONE_MIB + 1)


async def audit_total(client: AsyncClient, admin: dict[str, str]) -> int:
    response = await client.get("/api/v1/audit-events", params={"page_size": 1}, headers=admin)
    assert response.status_code == 200
    total: int = response.json()["total"]
    return total


# --- problem details for what the router itself refuses -------------------------------------


async def test_an_unknown_path_is_a_404_problem_json(client: AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")

    body = assert_problem(response, 404)
    assert body["instance"] == "/api/v1/no-such-thing"
    assert "/api/v1/no-such-thing" in body["detail"]


async def test_a_wrong_method_is_a_405_problem_json_with_an_allow_header(
    client: AsyncClient,
) -> None:
    response = await client.delete("/api/v1/org-units")

    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_a_405_allow_header_lists_every_method_the_path_serves(client: AsyncClient) -> None:
    response = await client.delete("/api/v1/org-units")

    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert allowed >= {"GET", "POST"}


async def test_a_garbage_bearer_token_is_401_with_a_bearer_challenge(client: AsyncClient) -> None:
    response = await client.get(
        "/api/v1/org-units", headers={"Authorization": "Bearer not.a.token"}
    )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unexpected_error_is_a_500_problem_json_that_leaks_nothing(
    fresh_app: FastAPI,
) -> None:
    app = fresh_app

    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("connection string postgres://secret@db")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/test-only/boom")

    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert body["instance"] == "/test-only/boom"


async def test_an_unexpected_error_still_carries_the_request_id(fresh_app: FastAPI) -> None:
    app = fresh_app

    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/test-only/boom", headers={"X-Request-ID": "support-ticket-42"})

    assert response.status_code == 500
    assert response.headers.get("x-request-id") == "support-ticket-42"


# --- request ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/healthz", {}, 200),
        ("GET", "/api/v1/me", {}, 401),
        ("GET", "/api/v1/nowhere", {}, 404),
        ("PUT", "/api/v1/org-units", {}, 405),
        ("POST", "/api/v1/auth/token", {"data": {"grant_type": "implicit"}}, 400),
        ("POST", "/api/v1/auth/token", {"data": {}}, 422),
    ],
    ids=["200", "401", "404", "405", "400", "422"],
)
async def test_every_response_carries_a_generated_request_id(
    client: AsyncClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = await client.request(method, path, **kwargs)

    assert response.status_code == status
    assert GENERATED_ID.match(response.headers["x-request-id"])


async def test_each_request_gets_its_own_request_id(client: AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")

    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_sane_incoming_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"X-Request-ID": "gateway-7f3a.01_x"})

    assert response.status_code == 401
    assert response.headers["x-request-id"] == "gateway-7f3a.01_x"


@pytest.mark.parametrize(
    "incoming",
    ["has spaces", "x" * 65, "semi;colon", 'quote"d', "<script>"],
    ids=["spaces", "too-long", "semicolon", "quote", "markup"],
)
async def test_an_unsafe_incoming_request_id_is_replaced(
    client: AsyncClient, incoming: str
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": incoming})

    assert response.headers["x-request-id"] != incoming
    assert GENERATED_ID.match(response.headers["x-request-id"])


# --- health --------------------------------------------------------------------------------


async def test_healthz_answers_without_auth(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def _plain_client(app: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")


async def test_readyz_answers_without_auth_when_the_database_is_reachable(
    settings: Settings, engine: AsyncEngine
) -> None:
    # No per-test transaction here: on SQLite it would hold the write lock readyz waits for.
    app = create_app(settings, run_startup=False)
    app.state.engine = engine
    async with _plain_client(app) as http:
        response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    app = create_app(settings, run_startup=False)
    unreachable = create_engine("sqlite+aiosqlite:////nonexistent-folder/nowhere/gt.db")
    app.state.engine = unreachable
    try:
        async with _plain_client(app) as http:
            response = await http.get("/readyz")
    finally:
        await unreachable.dispose()

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


# --- body limits ---------------------------------------------------------------------------


async def test_a_streamed_body_over_1_mib_is_cut_off_with_413_problem_json(
    client: AsyncClient, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"code": "BIG", "kind": "council", "name": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/api/v1/org-units",
        content=chunks(),
        headers={**admin, "Content-Type": "application/json"},
    )

    assert_problem(response, 413)
    assert GENERATED_ID.match(response.headers["x-request-id"])
    assert (await client.get("/api/v1/org-units/BIG", headers=admin)).status_code == 404


async def test_a_body_just_under_1_mib_is_read_and_judged_on_its_fields(
    client: AsyncClient, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)
    name = "x" * (ONE_MIB - 200)

    response = await client.post(
        "/api/v1/org-units", json={"code": "BIG", "kind": "council", "name": name}, headers=admin
    )

    body = assert_problem(response, 422)
    assert [error["loc"] for error in body["errors"]] == [["body", "name"]]


BodyCase = tuple[str, str, dict[str, Any]]
OVERSIZED_CASES: list[BodyCase] = [
    ("POST", "/api/v1/org-units", {"code": "BIG", "kind": "council", "name": HUGE}),
    ("PATCH", "/api/v1/org-units/HOU", {"name": HUGE}),
    ("POST", "/api/v1/users", {"email": "big@council.gov.uk", "full_name": HUGE}),
    ("POST", "/api/v1/financial-years", {"start_year": 2026, "note": HUGE}),
    ("POST", "/api/v1/periods/2025-26/reopen", {"reason": HUGE}),
    ("POST", "/api/v1/api-clients", {"name": HUGE, "scopes": [], "org_unit_codes": []}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), OVERSIZED_CASES, ids=[f"{m} {p}" for m, p, _ in OVERSIZED_CASES]
)
async def test_an_oversized_body_is_a_413_problem_json_with_a_request_id(
    client: AsyncClient, factory: Factory, method: str, path: str, body: dict[str, Any]
) -> None:
    admin = await factory.headers(Role.ADMIN)
    await factory.financial_year(2025)

    response = await client.request(method, path, json=body, headers=admin)

    assert response.status_code == 413
    assert_problem(response, 413)
    assert GENERATED_ID.match(response.headers.get("x-request-id", ""))


# --- ETags and If-Match --------------------------------------------------------------------

Resource = tuple[str, dict[str, Any]]  # (path, a PATCH body that changes something)


async def _org_unit(factory: Factory) -> Resource:
    await factory.org_tree()
    return "/api/v1/org-units/HOU", {"name": "Housing Services"}


async def _user(factory: Factory) -> Resource:
    user_id = await factory.user(Role.STAFF, "HOU")
    return f"/api/v1/users/{user_id}", {"full_name": "Renamed Person"}


async def _period(factory: Factory) -> Resource:
    await factory.financial_year(2025)
    return "/api/v1/periods/2025-26-Q2", {"board_date": "2025-10-28"}


RESOURCES: dict[str, Callable[[Factory], Awaitable[Resource]]] = {
    "org-unit": _org_unit,
    "user": _user,
    "period": _period,
}


@pytest.mark.parametrize("kind", list(RESOURCES))
async def test_a_single_resource_carries_an_etag(
    client: AsyncClient, factory: Factory, kind: str
) -> None:
    admin = await factory.headers(Role.ADMIN)
    path, _ = await RESOURCES[kind](factory)

    response = await client.get(path, headers=admin)

    assert response.status_code == 200
    assert re.fullmatch(r'(W/)?"[^"]+"', response.headers["etag"])


@pytest.mark.parametrize("kind", list(RESOURCES))
async def test_a_patch_with_a_stale_if_match_is_412_and_changes_nothing(
    client: AsyncClient, factory: Factory, kind: str
) -> None:
    admin = await factory.headers(Role.ADMIN)
    path, change = await RESOURCES[kind](factory)
    before = await client.get(path, headers=admin)
    events_before = await audit_total(client, admin)

    response = await client.patch(path, json=change, headers={**admin, "If-Match": '"999"'})

    body = assert_problem(response, 412)
    assert "999" in body["detail"]
    after = await client.get(path, headers=admin)
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]
    assert await audit_total(client, admin) == events_before


@pytest.mark.parametrize("kind", list(RESOURCES))
async def test_a_patch_with_the_current_etag_succeeds_and_moves_the_etag_on(
    client: AsyncClient, factory: Factory, kind: str
) -> None:
    admin = await factory.headers(Role.ADMIN)
    path, change = await RESOURCES[kind](factory)
    etag = (await client.get(path, headers=admin)).headers["etag"]

    response = await client.patch(path, json=change, headers={**admin, "If-Match": etag})

    assert response.status_code == 200, response.text
    assert all(response.json()[field] == value for field, value in change.items())
    assert response.headers["etag"] != etag
    assert (await client.get(path, headers=admin)).headers["etag"] == response.headers["etag"]
    # The old ETag is now stale: a second writer holding it loses.
    again = await client.patch(path, json=change, headers={**admin, "If-Match": etag})
    assert_problem(again, 412)


@pytest.mark.parametrize("if_match", ["*", '"41", "1"'], ids=["star", "list"])
async def test_if_match_accepts_star_and_a_list_naming_the_current_etag(
    client: AsyncClient, factory: Factory, if_match: str
) -> None:
    admin = await factory.headers(Role.ADMIN)
    await factory.org_tree()
    assert (await client.get("/api/v1/org-units/ASC", headers=admin)).headers["etag"] == '"1"'

    response = await client.patch(
        "/api/v1/org-units/ASC",
        json={"name": "Adult care"},
        headers={**admin, "If-Match": if_match},
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Adult care"
