"""OpenID Connect sign-in against a real provider on a loopback port: its discovery document
and JWKS served over HTTP, tokens signed with a real RSA key. A person is matched by email, their
groups grant the mapped roles, and every forgery is refused with 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from jose import jwk, jwt
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.access.permissions import Role
from app.core.config import Settings
from app.main import create_app
from app.status.cache import StatusCache
from tests.factories import Factory
from tests.helpers import API, assert_problem

AUDIENCE = "api://golden-thread-test"
EMAIL = "pat@council.gov.uk"
GROUP_PERFORMANCE = "6f1c6a5e-0000-4000-8000-000000000001"
GROUP_HOU = "6f1c6a5e-0000-4000-8000-000000000002"
GROUP_ADMIN = "6f1c6a5e-0000-4000-8000-000000000003"
GROUP_ROLES = {
    GROUP_ADMIN: [{"role": "admin"}],
    GROUP_PERFORMANCE: [{"role": "performance_team"}],
    GROUP_HOU: [{"role": "head_of_service", "org_unit_code": "HOU"}],
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Key:
    kid: str
    private_pem: bytes
    public_pem: bytes

    @classmethod
    def new(cls, kid: str) -> Key:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(
            kid=kid,
            private_pem=private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            public_pem=private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )

    def jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = jwk.construct(self.public_pem, "RS256").to_dict()
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


@dataclass
class Provider:
    """A loopback OpenID Connect provider: discovery document and JWKS over real HTTP."""

    issuer: str
    keys: list[Key]
    hits: dict[str, int] = field(default_factory=dict)

    def token(self, key: Key | None = None, **overrides: Any) -> str:
        key = key or self.keys[0]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "entra-object-id-1",
            "email": EMAIL,
            "name": "Pat Smith",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "groups": [],
            **overrides,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def signing_key() -> Key:
    return Key.new("key-1")


@pytest.fixture
def provider(signing_key: Key) -> Iterator[Provider]:
    holder: dict[str, Provider] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state = holder["provider"]
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            body: dict[str, Any]
            if self.path == "/.well-known/openid-configuration":
                body = {
                    "issuer": state.issuer,
                    "jwks_uri": state.issuer + "/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            elif self.path == "/keys":
                body = {"keys": [key.jwk() for key in state.keys]}
            else:
                self.send_error(404)
                return
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["provider"] = Provider(
        issuer=f"http://127.0.0.1:{server.server_address[1]}", keys=[signing_key]
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["provider"]
    finally:
        server.shutdown()
        server.server_close()


def _app(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    **oidc: Any,
) -> FastAPI:
    application = create_app(settings.model_copy(update=oidc), run_startup=False)
    application.state.engine = engine
    application.state.sessionmaker = sessionmaker
    application.state.status_cache = StatusCache()
    return application


@pytest.fixture
async def oidc_client(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    provider: Provider,
) -> AsyncIterator[AsyncClient]:
    application = _app(
        settings,
        engine,
        sessionmaker,
        oidc_issuer=provider.issuer,
        oidc_audience=AUDIENCE,
        oidc_group_roles=Settings.model_validate(
            {"oidc_group_roles": GROUP_ROLES}
        ).oidc_group_roles,
    )
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http:
        yield http


async def _me(client: AsyncClient, token: str) -> Any:
    return await client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})


def _refused(response: Any) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


# --- signing in ----------------------------------------------------------------------------


async def test_a_provider_token_signs_the_person_in_and_their_group_grants_the_mapped_role(
    oidc_client: AsyncClient, provider: Provider, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    admin = await factory.headers(Role.ADMIN)

    response = await _me(oidc_client, provider.token(groups=[GROUP_PERFORMANCE, "unmapped"]))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["email"] == EMAIL
    assert sorted((r["role"], r["org_unit_code"]) for r in me["roles"]) == [
        ("performance_team", None),
        ("staff", "HOU"),
    ]
    assert "values:approve" in me["permissions"] or "reports:read" in me["permissions"]

    # Next sign-in the group is gone, another is there: the mapped roles follow; the role
    # granted by hand (staff) stays.
    again = await _me(oidc_client, provider.token(groups=[GROUP_HOU]))
    assert again.status_code == 200, again.text
    assert sorted((r["role"], r["org_unit_code"]) for r in again.json()["roles"]) == [
        ("head_of_service", "HOU"),
        ("staff", "HOU"),
    ]

    trail = await oidc_client.get(
        f"{API}/audit-events",
        params={"entity_type": "user", "entity_id": me["id"]},
        headers=admin,
    )
    assert trail.status_code == 200, trail.text
    syncs = [event for event in trail.json()["items"] if event["action"] == "sync_roles"]
    assert len(syncs) == 2
    # The provider's keys were fetched once for both sign-ins.
    assert provider.hits["/keys"] == 1


async def test_the_last_admin_keeps_the_role_when_out_of_the_admin_group(
    oidc_client: AsyncClient, provider: Provider, factory: Factory
) -> None:
    await factory.user(Role.ADMIN, email=EMAIL)

    def roles(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [grant["role"] for grant in response.json()["roles"]]

    assert roles(await _me(oidc_client, provider.token(groups=[]))) == ["admin"]
    await factory.user(Role.ADMIN, email="another.admin@council.gov.uk")
    assert roles(await _me(oidc_client, provider.token(groups=["other"]))) == []


async def test_a_token_with_too_many_groups_to_list_leaves_the_roles_as_they_are(
    oidc_client: AsyncClient, provider: Provider, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    granted = await _me(oidc_client, provider.token(groups=[GROUP_PERFORMANCE]))
    assert sorted(r["role"] for r in granted.json()["roles"]) == ["performance_team", "staff"]

    # Entra ID's group overage: no groups claim, a pointer to where they are instead.
    overage = provider.token(
        groups=None,
        _claim_names={"groups": "src1"},
        _claim_sources={"src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/x"}},
    )
    kept = await _me(oidc_client, overage)
    assert kept.status_code == 200, kept.text
    assert sorted(r["role"] for r in kept.json()["roles"]) == ["performance_team", "staff"]

    # A token that simply names no groups is no groups: the mapped role goes.
    emptied = await _me(oidc_client, provider.token(groups=None))
    assert [r["role"] for r in emptied.json()["roles"]] == ["staff"]


async def test_the_services_own_tokens_still_work_beside_the_providers(
    oidc_client: AsyncClient, factory: Factory
) -> None:
    headers = await factory.headers(Role.STAFF, "HOU")
    assert (await oidc_client.get(f"{API}/me", headers=headers)).status_code == 200


async def test_an_unknown_person_is_refused_unless_creating_users_is_on(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    provider: Provider,
    oidc_client: AsyncClient,
    factory: Factory,
) -> None:
    await factory.org_tree()
    token = provider.token(email="new.starter@council.gov.uk", name="New Starter")
    _refused(await _me(oidc_client, token))

    creating = _app(
        settings,
        engine,
        sessionmaker,
        oidc_issuer=provider.issuer,
        oidc_audience=AUDIENCE,
        oidc_create_users=True,
    )
    async with AsyncClient(transport=ASGITransport(app=creating), base_url="http://t") as http:
        response = await _me(http, token)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "new.starter@council.gov.uk"
    assert response.json()["full_name"] == "New Starter"
    assert response.json()["roles"] == []


async def test_the_email_claim_is_configurable(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    provider: Provider,
    factory: Factory,
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    application = _app(
        settings,
        engine,
        sessionmaker,
        oidc_issuer=provider.issuer,
        oidc_audience=AUDIENCE,
        oidc_email_claim="preferred_username",
    )
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http:
        entra_style = provider.token(email=None, preferred_username=EMAIL.upper())
        assert (await _me(http, entra_style)).status_code == 200
        _refused(await _me(http, provider.token()))  # no preferred_username


# --- the attacks ---------------------------------------------------------------------------


async def test_wrong_issuer_wrong_audience_expired_and_not_yet_valid_tokens_are_refused(
    oidc_client: AsyncClient, provider: Provider, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    now = int(time.time())
    for token in (
        provider.token(iss=provider.issuer + "/another-tenant"),
        provider.token(iss="https://login.microsoftonline.com/other/v2.0"),
        provider.token(aud="api://another-api"),
        provider.token(aud=None),
        provider.token(exp=now - 3600, iat=now - 7200, nbf=now - 7200),
        provider.token(exp=None),
        provider.token(nbf=now + 3600),
    ):
        _refused(await _me(oidc_client, token))
    assert (await _me(oidc_client, provider.token())).status_code == 200


async def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(
    oidc_client: AsyncClient, provider: Provider, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    assert (await _me(oidc_client, provider.token())).status_code == 200
    stranger = Key.new("key-1")  # the published key id, another key
    _refused(await _me(oidc_client, provider.token(key=stranger)))
    for attempt in range(3):
        _refused(await _me(oidc_client, provider.token(key=Key.new(f"forged-{attempt}"))))
    # Unknown key ids do not make the service hammer the provider: one fetch a minute.
    assert provider.hits["/keys"] == 1


async def test_alg_none_and_hs256_signed_with_the_public_key_are_refused(
    oidc_client: AsyncClient, provider: Provider, signing_key: Key, factory: Factory
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    claims = jwt.get_unverified_claims(provider.token())
    payload = _b64(json.dumps(claims).encode())

    unsigned = _b64(json.dumps({"alg": "none", "kid": signing_key.kid}).encode())
    _refused(await _me(oidc_client, f"{unsigned}.{payload}."))

    for secret in (signing_key.public_pem, json.dumps(signing_key.jwk()).encode()):
        header = _b64(json.dumps({"alg": "HS256", "kid": signing_key.kid, "typ": "JWT"}).encode())
        signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        _refused(await _me(oidc_client, f"{header}.{payload}.{_b64(signature)}"))

    # The same claims, properly signed, pass: only the algorithm was wrong.
    assert (await _me(oidc_client, provider.token())).status_code == 200


async def test_a_deactivated_persons_provider_token_is_refused(
    oidc_client: AsyncClient, provider: Provider, factory: Factory
) -> None:
    admin = await factory.headers(Role.ADMIN)
    user_id = await factory.user(Role.STAFF, "HOU", email=EMAIL)
    token = provider.token()
    assert (await _me(oidc_client, token)).status_code == 200
    off = await oidc_client.patch(
        f"{API}/users/{user_id}", json={"is_active": False}, headers=admin
    )
    assert off.status_code == 200, off.text
    _refused(await _me(oidc_client, token))


async def test_a_rotated_provider_key_is_fetched_when_a_token_names_it(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    provider: Provider,
    factory: Factory,
) -> None:
    await factory.user(Role.STAFF, "HOU", email=EMAIL)
    application = _app(
        settings,
        engine,
        sessionmaker,
        oidc_issuer=provider.issuer,
        oidc_audience=AUDIENCE,
        oidc_jwks_min_refresh_seconds=0,
    )
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http:
        assert (await _me(http, provider.token())).status_code == 200
        rotated = Key.new("key-2")
        provider.keys.append(rotated)
        assert (await _me(http, provider.token(key=rotated))).status_code == 200
    assert provider.hits["/keys"] == 2
    assert provider.hits["/.well-known/openid-configuration"] == 1


async def test_an_unreachable_provider_is_a_503_not_a_500(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    provider: Provider,
) -> None:
    down = f"http://127.0.0.1:{_free_port()}"
    application = _app(
        settings,
        engine,
        sessionmaker,
        oidc_issuer=down,
        oidc_audience=AUDIENCE,
        oidc_timeout_seconds=0.5,
    )
    token = provider.token(iss=down)
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://t") as http:
        response = await _me(http, token)
    assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [
        {"oidc_issuer": "http://login.example.org/tenant/v2.0", "oidc_audience": AUDIENCE},
        {"oidc_issuer": "https://login.example.org/tenant/v2.0"},
        {"oidc_algorithms": "HS256"},
        {"oidc_algorithms": "none"},
    ],
    ids=["plain-http-off-loopback", "issuer-without-audience", "hs256", "none"],
)
def test_unsafe_provider_settings_are_refused_at_start(update: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate(update)


def test_a_group_mapping_with_an_unknown_role_stops_the_start(settings: Settings) -> None:
    mapping = Settings.model_validate(
        {"oidc_group_roles": {"g": [{"role": "superuser"}]}}
    ).oidc_group_roles
    with pytest.raises(ValueError, match="GT_OIDC_GROUP_ROLES"):
        create_app(
            settings.model_copy(
                update={
                    "oidc_issuer": "https://login.example.org/t/v2.0",
                    "oidc_audience": AUDIENCE,
                    "oidc_group_roles": mapping,
                }
            ),
            run_startup=False,
        )
