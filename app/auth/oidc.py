"""The council's OpenID Connect provider: its keys, found through its discovery document, and
the check of a token it issued.

The discovery document (``<issuer>/.well-known/openid-configuration``) names the JWKS; both are
fetched with a bounded timeout, and the keys kept for ``GT_OIDC_JWKS_MAX_AGE_SECONDS``. A token
signed with a key id the cached set does not hold makes one fetch of the set (providers rotate
keys), at most once every ``GT_OIDC_JWKS_MIN_REFRESH_SECONDS``, so a stream of forged key ids
cannot turn the service into a flood against the provider. When the provider cannot be reached
and no keys are cached, the request is answered 503, not 500; cached keys are used on past
their age while the provider is away.

Signature checks are ``app.core.security``'s (python-jose, which already signs the service's own
tokens and verifies JWKs of the RSA and EC kinds with the cryptography backend): this module
only finds the key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.core.config import Settings, is_loopback_url
from app.core.errors import AppError
from app.core.security import InvalidToken, decode_provider_token, unverified_header

logger = logging.getLogger("app.auth.oidc")

DISCOVERY_PATH = "/.well-known/openid-configuration"
RETRY_AFTER_SECONDS = 30
# A discovery document or a key set is a few kilobytes; anything far bigger is not one.
MAX_DOCUMENT_BYTES = 512 * 1024


class IdentityProviderUnavailable(AppError):
    status, title, slug = 503, "Identity provider unavailable", "identity-provider-unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class _ProviderError(Exception):
    """The provider answered nothing usable (unreachable, an error status, not JSON)."""


@dataclass
class _KeySet:
    keys: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float | None = None  # monotonic; None: never fetched


def _allowed_url(url: str) -> bool:
    scheme = url.split(":", 1)[0].lower()
    return scheme == "https" or (scheme == "http" and is_loopback_url(url))


class OidcProvider:
    """One provider's keys, kept per worker process, and the check of its tokens."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        timeout_seconds: float,
        max_age_seconds: float,
        min_refresh_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.algorithms = list(algorithms)
        self.timeout = httpx.Timeout(timeout_seconds)
        self.max_age = max_age_seconds
        self.min_refresh = min_refresh_seconds
        self.transport = transport
        self._jwks_uri: str | None = None
        self._keyset = _KeySet()
        self._lock: asyncio.Lock | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcProvider | None:
        if not (settings.oidc_issuer and settings.oidc_audience):
            return None
        return cls(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            algorithms=settings.oidc_algorithms,
            timeout_seconds=settings.oidc_timeout_seconds,
            max_age_seconds=settings.oidc_jwks_max_age_seconds,
            min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds,
        )

    async def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this provider signed for this audience, current now; raises
        InvalidToken otherwise, IdentityProviderUnavailable when its keys cannot be had."""
        kid = unverified_header(token).get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("malformed key id")
        key = await self._key(kid)
        if key is None:
            raise InvalidToken("signed with a key the provider does not publish")
        return decode_provider_token(
            token,
            key=key,
            algorithms=self.algorithms,
            issuer=self.issuer,
            audience=self.audience,
        )

    async def _key(self, kid: str | None) -> dict[str, Any] | None:
        keyset = self._keyset
        now = time.monotonic()
        stale = keyset.fetched_at is None or now - keyset.fetched_at >= self.max_age
        if not stale and (found := self._pick(kid)) is not None:
            return found
        # Unknown to the cached set: fetch again, unless that was done a moment ago.
        may_refresh = keyset.fetched_at is None or now - keyset.fetched_at >= self.min_refresh
        if may_refresh:
            await self._refresh(since=keyset.fetched_at)
        return self._pick(kid)

    def _pick(self, kid: str | None) -> dict[str, Any] | None:
        keys = self._keyset.keys
        if kid is None:
            # Without a key id only a provider that publishes a single key can be followed.
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid)

    async def _refresh(self, *, since: float | None) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._keyset.fetched_at != since:
                return  # another request fetched them while this one waited
            try:
                keys = await self._fetch_keys()
            except _ProviderError as exc:
                logger.warning("identity provider keys unavailable: %s", exc)
                if not self._keyset.keys:
                    raise IdentityProviderUnavailable(
                        "The identity provider's signing keys could not be fetched; "
                        "try again shortly."
                    ) from None
                # Keep the keys held, and wait before asking again.
                self._keyset = _KeySet(self._keyset.keys, time.monotonic())
                return
            self._keyset = _KeySet(keys, time.monotonic())

    async def _fetch_keys(self) -> dict[str | None, dict[str, Any]]:
        async with httpx.AsyncClient(
            timeout=self.timeout, transport=self.transport, follow_redirects=False
        ) as http:
            if self._jwks_uri is None:
                document = await self._get_json(http, self.issuer.rstrip("/") + DISCOVERY_PATH)
                if document.get("issuer") != self.issuer:
                    raise _ProviderError("the discovery document names another issuer")
                jwks_uri = document.get("jwks_uri")
                if not isinstance(jwks_uri, str) or not _allowed_url(jwks_uri):
                    raise _ProviderError("the discovery document has no usable jwks_uri")
                self._jwks_uri = jwks_uri
            jwks = await self._get_json(http, self._jwks_uri)
        entries = jwks.get("keys")
        if not isinstance(entries, list):
            raise _ProviderError("the JWKS has no keys")
        keys: dict[str | None, dict[str, Any]] = {}
        for entry in entries:
            if isinstance(entry, dict) and entry.get("use", "sig") == "sig":
                kid = entry.get("kid")
                keys[kid if isinstance(kid, str) else None] = entry
        return keys

    async def _get_json(self, http: httpx.AsyncClient, url: str) -> dict[str, Any]:
        try:
            response = await http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise _ProviderError(f"{url}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise _ProviderError(f"{url}: HTTP {response.status_code}")
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise _ProviderError(f"{url}: too large")
        try:
            body = response.json()
        except ValueError as exc:
            raise _ProviderError(f"{url}: not JSON") from exc
        if not isinstance(body, dict):
            raise _ProviderError(f"{url}: not a JSON object")
        return body
