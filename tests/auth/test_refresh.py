"""Refresh tokens: rotated at each use, a reused one ends its whole sign-in, revocation
(RFC 7009) signs out, and a new password ends every sign-in made with the old one."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.access.permissions import Role
from tests.factories import Factory
from tests.helpers import API, assert_problem

TOKEN = f"{API}/auth/token"
REVOKE = f"{API}/auth/revoke"
PASSWORD = "correct horse battery"
EMAIL = "pat@council.gov.uk"


async def _sign_in(client: AsyncClient) -> dict[str, Any]:
    response = await client.post(
        TOKEN, data={"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _refresh(client: AsyncClient, refresh_token: str) -> Any:
    return await client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def _me(client: AsyncClient, access_token: str) -> int:
    response = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code


async def test_a_refresh_token_gives_a_new_pair_and_works_only_once(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL, password=PASSWORD)
    first = await _sign_in(client)
    assert isinstance(first["refresh_token"], str)

    renewed = await _refresh(client, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert await _me(client, second["access_token"]) == 200

    third = await _refresh(client, second["refresh_token"])
    assert third.status_code == 200, third.text
    assert await _me(client, third.json()["access_token"]) == 200


async def test_a_reused_refresh_token_revokes_the_whole_sign_in(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL, password=PASSWORD)
    first = await _sign_in(client)
    second = (await _refresh(client, first["refresh_token"])).json()
    other_sign_in = await _sign_in(client)

    # Someone replays the first refresh token (copied before it was used).
    replay = await _refresh(client, first["refresh_token"])
    body = assert_problem(replay, 401)
    assert body["error"] == "invalid_grant"

    # Every token of that sign-in is over: the current refresh token and the access tokens.
    assert_problem(await _refresh(client, second["refresh_token"]), 401)
    assert await _me(client, second["access_token"]) == 401
    assert await _me(client, first["access_token"]) == 401
    # Another sign-in of the same person goes on.
    assert await _me(client, other_sign_in["access_token"]) == 200
    assert (await _refresh(client, other_sign_in["refresh_token"])).status_code == 200


async def test_revoking_a_refresh_token_signs_out_and_unknown_tokens_are_200_too(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL, password=PASSWORD)
    signed_in = await _sign_in(client)

    revoked = await client.post(
        REVOKE, data={"token": signed_in["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert revoked.status_code == 200
    assert_problem(await _refresh(client, signed_in["refresh_token"]), 401)
    assert await _me(client, signed_in["access_token"]) == 401

    # RFC 7009: an invalid or already revoked token is not an error.
    assert (await client.post(REVOKE, data={"token": "not-a-token"})).status_code == 200
    assert (await client.post(REVOKE, data={"token": signed_in["refresh_token"]})).status_code == (
        200
    )
    assert_problem(await client.post(REVOKE, data={}), 422)


async def test_revoking_an_access_token_ends_its_sign_in(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL, password=PASSWORD)
    signed_in = await _sign_in(client)

    revoked = await client.post(REVOKE, data={"token": signed_in["access_token"]})
    assert revoked.status_code == 200
    assert await _me(client, signed_in["access_token"]) == 401
    assert_problem(await _refresh(client, signed_in["refresh_token"]), 401)


async def test_a_password_change_ends_the_refresh_tokens_issued_before_it(
    client: AsyncClient, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)
    user_id = await factory.user(Role.STAFF, "HOU", email=EMAIL, password=PASSWORD)
    signed_in = await _sign_in(client)

    reset = await client.patch(
        f"{API}/users/{user_id}", json={"password": "plum orchard lantern"}, headers=admin
    )
    assert reset.status_code == 200, reset.text

    assert_problem(await _refresh(client, signed_in["refresh_token"]), 401)
    assert await _me(client, signed_in["access_token"]) == 401


async def test_a_deactivated_person_cannot_refresh(client: AsyncClient, factory: Factory) -> None:
    admin = await factory.headers(Role.ADMIN)
    user_id = await factory.user(Role.STAFF, "HOU", email=EMAIL, password=PASSWORD)
    signed_in = await _sign_in(client)

    off = await client.patch(f"{API}/users/{user_id}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200, off.text
    assert_problem(await _refresh(client, signed_in["refresh_token"]), 401)


async def test_a_missing_or_unknown_refresh_token_is_invalid_grant(client: AsyncClient) -> None:
    missing = await client.post(TOKEN, data={"grant_type": "refresh_token"})
    assert assert_problem(missing, 401)["error"] == "invalid_grant"
    unknown = await _refresh(client, "x" * 43)
    assert assert_problem(unknown, 401)["error"] == "invalid_grant"


async def test_machine_clients_get_no_refresh_token(client: AsyncClient, factory: Factory) -> None:
    admin = await factory.headers(Role.ADMIN)
    registered = await client.post(
        f"{API}/api-clients",
        json={"name": "Integration", "scopes": ["values:write"], "org_unit_codes": ["HOU"]},
        headers=admin,
    )
    assert registered.status_code == 201, registered.text
    response = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": registered.json()["client_id"],
            "client_secret": registered.json()["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
