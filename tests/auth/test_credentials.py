"""Credentials: Argon2 off the event loop and bounded, machine sign-in throttled like people's,
tokens tied to the credential they were issued against, weak passwords refused."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from jose import jwt

from app.access.permissions import Role
from app.core import security
from app.demo.seed import DEMO_PASSWORD
from app.users.passwords import judge, personal_tokens
from tests.conftest import TEST_SECRET
from tests.factories import Factory
from tests.helpers import API, assert_invalid, assert_problem

TOKEN = f"{API}/auth/token"
PASSWORD = "correct horse battery"


async def _sign_in(client: AsyncClient, email: str, password: str) -> Any:
    return await client.post(
        TOKEN, data={"grant_type": "password", "username": email, "password": password}
    )


async def _client_sign_in(client: AsyncClient, client_id: str, secret: str) -> Any:
    return await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def _bearer(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _register(client: AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    response = await client.post(
        f"{API}/api-clients",
        json={"name": "Housing system", "scopes": ["values:write"], "org_unit_codes": ["HOU"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _lower_limits(app: FastAPI, **limits: int) -> None:
    app.state.settings = app.state.settings.model_copy(update=limits)


# --- Argon2 off the event loop -------------------------------------------------------------


async def test_sign_in_verifies_the_password_in_a_worker_thread(
    client: AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factory.user(Role.STAFF, "HOU", email="pat@council.gov.uk", password=PASSWORD)
    threads: list[threading.Thread] = []
    verify = security._verify

    def spy(password: str, password_hash: str | None) -> bool:
        threads.append(threading.current_thread())
        return verify(password, password_hash)

    monkeypatch.setattr(security, "_verify", spy)
    loop_thread = threading.current_thread()
    assert (await _sign_in(client, "pat@council.gov.uk", PASSWORD)).status_code == 200
    assert (await _sign_in(client, "ghost@council.gov.uk", PASSWORD)).status_code == 401
    assert len(threads) == 2
    assert all(thread is not loop_thread for thread in threads)


async def test_no_more_than_a_few_hashes_run_at_once() -> None:
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        threading.Event().wait(0.02)
        with lock:
            running -= 1

    async with anyio.create_task_group() as group:
        for _ in range(12):
            group.start_soon(security.offload, work)
    assert 1 < peak <= security.HASH_CONCURRENCY


async def test_hash_and_verify_round_trip_off_the_loop() -> None:
    stored = await security.hash_password(PASSWORD)
    assert await security.verify_password(PASSWORD, stored)
    assert not await security.verify_password("another one entirely", stored)
    assert not await security.verify_password(PASSWORD, None)


# --- machine sign-in throttled -------------------------------------------------------------


async def test_client_credentials_are_throttled_per_client_id(
    client: AsyncClient, factory: Factory
) -> None:
    registered = await _register(client, await factory.headers(Role.ADMIN))
    for _ in range(factory.settings.login_max_failures):
        wrong = await _client_sign_in(client, registered["client_id"], "not-the-secret")
        assert_problem(wrong, 401)
        assert wrong.json()["error"] == "invalid_client"

    response = await _client_sign_in(client, registered["client_id"], registered["client_secret"])
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) > 0


async def test_unknown_client_ids_cost_a_verify_and_count_towards_the_address(
    app: FastAPI, client: AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = await _register(client, await factory.headers(Role.ADMIN))
    _lower_limits(app, login_max_failures_per_address=3)
    hashes: list[str | None] = []
    verify = security._verify

    def spy(password: str, password_hash: str | None) -> bool:
        hashes.append(password_hash)
        return verify(password, password_hash)

    monkeypatch.setattr(security, "_verify", spy)
    for _ in range(3):
        assert_problem(await _client_sign_in(client, f"gtc_{uuid.uuid4().hex}", "guess"), 401)
    assert hashes == [None, None, None]  # the dummy hash: as slow as a real client's

    # The address is now throttled, for any client and for people, before any hashing.
    response = await _client_sign_in(client, registered["client_id"], registered["client_secret"])
    assert_problem(response, 429)
    assert_problem(await _sign_in(client, "ghost@council.gov.uk", PASSWORD), 429)
    assert len(hashes) == 3


# --- tokens tied to the credential ---------------------------------------------------------


async def test_a_password_reset_ends_the_tokens_issued_before_it(
    client: AsyncClient, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)
    user_id = await factory.user(Role.STAFF, "HOU", email="pat@council.gov.uk", password=PASSWORD)
    old = _bearer(await _sign_in(client, "pat@council.gov.uk", PASSWORD))
    assert (await client.get(f"{API}/me", headers=old)).status_code == 200

    new_password = "plum orchard lantern"
    reset = await client.patch(
        f"{API}/users/{user_id}", json={"password": new_password}, headers=admin
    )
    assert reset.status_code == 200, reset.text

    assert_problem(await client.get(f"{API}/me", headers=old), 401)
    new = _bearer(await _sign_in(client, "pat@council.gov.uk", new_password))
    assert (await client.get(f"{API}/me", headers=new)).status_code == 200


async def test_a_secret_rotation_ends_the_client_tokens_issued_before_it(
    client: AsyncClient, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)
    registered = await _register(client, admin)
    old = _bearer(
        await _client_sign_in(client, registered["client_id"], registered["client_secret"])
    )
    assert (await client.get(f"{API}/me", headers=old)).status_code == 200

    rotated = await client.post(f"{API}/api-clients/{registered['id']}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text

    assert_problem(await client.get(f"{API}/me", headers=old), 401)
    new = _bearer(
        await _client_sign_in(client, registered["client_id"], rotated.json()["client_secret"])
    )
    assert (await client.get(f"{API}/me", headers=new)).status_code == 200


async def test_a_token_without_the_credentials_fingerprint_is_refused(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email="pat@council.gov.uk", password=PASSWORD)
    token = (await _sign_in(client, "pat@council.gov.uk", PASSWORD)).json()["access_token"]
    claims = jwt.get_unverified_claims(token)
    assert len(claims[security.FINGERPRINT_CLAIM]) == 16
    for forged in ({k: v for k, v in claims.items() if k != "cfp"}, {**claims, "cfp": "0" * 16}):
        resigned = jwt.encode(forged, TEST_SECRET, algorithm="HS256")
        response = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {resigned}"})
        assert_problem(response, 401)


# --- weak passwords ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop12", "Pat.Smith.2025", "patricia-smith!", "dunmore-rocks-2025"],
    ids=["common", "keyboard", "own-name", "own-email", "council-name"],
)
async def test_weak_and_guessable_passwords_are_refused_with_422(
    client: AsyncClient, factory: Factory, password: str
) -> None:
    admin = await factory.headers(Role.ADMIN)
    renamed = await client.patch(
        f"{API}/org-units/DBC", json={"name": "Dunmore Borough Council"}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    user = {"email": "patricia.smith@council.gov.uk", "full_name": "Pat Smith"}

    created = await client.post(f"{API}/users", json={**user, "password": password}, headers=admin)
    errors = assert_invalid(created, ["body", "password"])
    assert errors[0]["type"] == "weak_password"

    created = await client.post(f"{API}/users", json={**user, "password": PASSWORD}, headers=admin)
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"{API}/users/{created.json()['id']}", json={"password": password}, headers=admin
    )
    assert_invalid(patched, ["body", "password"])
    assert (await _sign_in(client, user["email"], PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    "password", [DEMO_PASSWORD, PASSWORD, "a long enough passphrase", "plum orchard lantern"]
)
def test_strong_passphrases_are_accepted(password: str) -> None:
    personal = personal_tokens("pat.smith@council.gov.uk", "Pat Smith", "Test Borough Council")
    assert judge(password, personal=personal).problem is None


def test_personal_words_leave_out_short_and_generic_words() -> None:
    tokens = personal_tokens("al.ng@x.gov.uk", "Al Ng", "Dunmore Borough Council")
    # Words too short or in every council's name are left out; joined names are kept whole.
    assert tokens == ["alng", "dunmore", "dunmoreboroughcouncil"]
