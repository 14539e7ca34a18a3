from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

from httpx import AsyncClient
from jose import jwt

from app.access.permissions import Role
from app.core.security import SubjectKind
from tests.conftest import TEST_SECRET
from tests.factories import Factory

PASSWORD = "correct horse battery"


async def _login(client: AsyncClient, email: str, password: str) -> tuple[int, dict[str, object]]:
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )
    return response.status_code, response.json()


async def test_a_person_signs_in_with_email_and_password_and_reads_me(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.HEAD_OF_SERVICE, "HOU", email="head@council.gov.uk", password=PASSWORD)

    status, body = await _login(client, "Head@Council.gov.uk", PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "head@council.gov.uk"
    assert me.json()["roles"] == [{"role": "head_of_service", "org_unit_code": "HOU"}]
    assert "values:approve" in me.json()["permissions"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email="staff@council.gov.uk", password=PASSWORD)

    wrong = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "staff@council.gov.uk",
            "password": "nope-nope-nope",
        },
    )
    unknown = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "ghost@council.gov.uk",
            "password": "nope-nope-nope",
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_repeated_failures_throttle_the_account_with_429(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email="target@council.gov.uk", password=PASSWORD)
    for _ in range(factory.settings.login_max_failures):
        status, _ = await _login(client, "target@council.gov.uk", "wrong-password-x")
        assert status == 401

    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "target@council.gov.uk", "password": PASSWORD},
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_unsupported_grant_is_a_clear_400(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", data={"grant_type": "implicit"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_anonymous_me_is_401_problem_json(client: AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()) >= {"type", "title", "status", "detail", "instance"}


async def test_an_expired_token_is_refused(client: AsyncClient, factory: Factory) -> None:
    user_id = await factory.user(Role.STAFF, "HOU")
    token = factory.token_for(user_id, lifetime=timedelta(seconds=-30))
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_token_signed_with_another_key_is_refused(
    client: AsyncClient, factory: Factory
) -> None:
    user_id = await factory.user(Role.STAFF, "HOU")
    claims = jwt.get_unverified_claims(factory.token_for(user_id))
    forged = jwt.encode(claims, "another-key-entirely-" + "x" * 30, algorithm="HS256")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_an_unsigned_alg_none_token_is_refused(client: AsyncClient, factory: Factory) -> None:
    user_id = await factory.user(Role.ADMIN)
    claims = jwt.get_unverified_claims(factory.token_for(user_id))

    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


async def test_a_token_for_another_algorithm_with_the_same_secret_is_refused(
    client: AsyncClient, factory: Factory
) -> None:
    user_id = await factory.user(Role.ADMIN)
    claims = jwt.get_unverified_claims(factory.token_for(user_id))
    other = jwt.encode(claims, TEST_SECRET, algorithm="HS512")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 401


async def test_a_deactivated_user_cannot_sign_in_and_their_token_stops_working(
    client: AsyncClient, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)
    user_id = await factory.user(
        Role.STAFF, "HOU", email="leaver@council.gov.uk", password=PASSWORD
    )
    status, body = await _login(client, "leaver@council.gov.uk", PASSWORD)
    assert status == 200
    token = body["access_token"]
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200

    response = await client.patch(
        f"/api/v1/users/{user_id}", json={"is_active": False}, headers=admin
    )
    assert response.status_code == 200

    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    status, _ = await _login(client, "leaver@council.gov.uk", PASSWORD)
    assert status == 401


async def test_a_client_token_for_an_unknown_client_is_refused(
    client: AsyncClient, factory: Factory
) -> None:
    token = factory.token_for(uuid.uuid4(), kind=SubjectKind.CLIENT)
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
