"""Tokens and password hashes: the only module that touches python-jose and pwdlib (the
service's own HS256 tokens, and verifying an OpenID Connect provider's tokens against its keys)."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar, TypeVarTuple

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ALGORITHM = "HS256"
# Always an explicit list, so a token that names another algorithm (or "none") is refused.
ALLOWED_ALGORITHMS = [ALGORITHM]

_password_hash = PasswordHash((Argon2Hasher(),))
# Verified against when the account is unknown, so both answers take the same time.
_DUMMY_HASH = _password_hash.hash("not-a-real-password-" + uuid.uuid4().hex)


# Argon2 costs a sixth of a second of CPU by design: it runs in worker threads, never on the
# event loop, and at most this many at once, so a flood of sign-ins queues for these few
# threads instead of taking every worker thread the server has (and with them every request).
HASH_CONCURRENCY = 2
_hash_limiter: RunVar[CapacityLimiter] = RunVar("password_hash_limiter")

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# The claim that ties a token to the credential it was issued against.
FINGERPRINT_CLAIM = "cfp"
# The claim naming the sign-in (refresh token family) a person's token was issued in.
SESSION_CLAIM = "sid"


class SubjectKind(StrEnum):
    USER = "user"
    CLIENT = "client"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or of the wrong kind."""


@dataclass(frozen=True)
class TokenClaims:
    subject_kind: SubjectKind
    subject_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    # The credential fingerprint the token was issued against; None: issued without one.
    fingerprint: str | None = None
    # The sign-in it was issued in (its refresh token family); None: a machine client's.
    session_id: uuid.UUID | None = None


def hash_limiter() -> CapacityLimiter:
    """The event loop's limiter for CPU-bound credential work (one per loop, like anyio's own)."""
    try:
        return _hash_limiter.get()
    except LookupError:
        limiter = CapacityLimiter(HASH_CONCURRENCY)
        _hash_limiter.set(limiter)
        return limiter


async def offload(func: Callable[[*Ts], T], *args: *Ts) -> T:
    """Run CPU-bound credential work (hashing, strength checks) in a bounded worker thread."""
    return await anyio.to_thread.run_sync(func, *args, limiter=hash_limiter())


async def hash_password(password: str) -> str:
    """An Argon2 hash of a password or client secret, computed off the event loop."""
    return await offload(_password_hash.hash, password)


def _verify(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return _password_hash.verify(password, password_hash)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password off the event loop; with no hash, spend the same time and fail."""
    return await offload(_verify, password, password_hash)


def credential_fingerprint(stored_hash: str | None) -> str | None:
    """A short digest of the stored credential hash, carried in the tokens issued against it:
    a new password or client secret changes it, and every token issued before stops working.
    It reveals nothing usable: the hash it digests is salted and never leaves the database."""
    if stored_hash is None:
        return None
    return hashlib.sha256(stored_hash.encode()).hexdigest()[:16]


def create_access_token(
    *,
    subject_kind: SubjectKind,
    subject_id: uuid.UUID,
    secret_key: str,
    lifetime: timedelta,
    issuer: str,
    fingerprint: str | None = None,
    session_id: uuid.UUID | None = None,
) -> tuple[str, int]:
    """Sign an access token; returns it with its lifetime in seconds. `fingerprint` is the
    `credential_fingerprint` of the credential it is issued against, if any; `session_id` the
    refresh token family of the sign-in, if any."""
    # Token lifetimes run on the real clock, whatever business date a test has pinned.
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(subject_id),
        "typ": subject_kind.value,
        "iss": issuer,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if fingerprint is not None:
        claims[FINGERPRINT_CLAIM] = fingerprint
    if session_id is not None:
        claims[SESSION_CLAIM] = str(session_id)
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def decode_access_token(token: str, *, secret_key: str, issuer: str) -> TokenClaims:
    """Verify signature, algorithm, issuer and expiry; raise InvalidToken otherwise.

    A token's signature, issuer and claims are verified once and the result kept (see
    `_verified`); whether it is current is asked at every use, against the clock."""
    verified = _verified(token, secret_key, issuer)
    # As python-jose judges them, to the second and with no leeway.
    now = int(time.time())
    if verified.expires < now:
        raise InvalidToken("Signature has expired.")
    if verified.not_before is not None and verified.not_before > now:
        raise InvalidToken("The token is not yet valid (nbf)")
    return verified.claims


@dataclass(frozen=True)
class _Verified:
    claims: TokenClaims
    expires: int
    not_before: int | None


# Every request of a signed-in client verifies its bearer token, and python-jose takes about
# 0.15 ms to: the outcome for a token string (a pure function of it, the key and the issuer)
# is kept for the most recent tokens. Refusals are not kept (an exception escapes the cache).
@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret_key: str, issuer: str) -> _Verified:
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise InvalidToken("unexpected algorithm")
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=ALLOWED_ALGORITHMS,
            issuer=issuer,
            # Expiry and nbf are judged here at first sight and again at each use.
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
        kind = SubjectKind(claims["typ"])
        subject_id = uuid.UUID(claims["sub"])
        fingerprint = claims.get(FINGERPRINT_CLAIM)
        if fingerprint is not None and not isinstance(fingerprint, str):
            raise InvalidToken("malformed credential fingerprint")
        session = claims.get(SESSION_CLAIM)
        if session is not None and not isinstance(session, str):
            raise InvalidToken("malformed session")
        session_id = uuid.UUID(session) if session is not None else None
        expires, not_before = claims["exp"], claims.get("nbf")
        if not _is_time(expires) or (not_before is not None and not _is_time(not_before)):
            raise InvalidToken("exp and nbf must be integers")
        issued_at = datetime.fromtimestamp(claims["iat"], UTC)
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (JWTError, KeyError, ValueError, TypeError, OverflowError, OSError) as exc:
        raise InvalidToken(str(exc)) from exc

    return _Verified(
        TokenClaims(
            subject_kind=kind,
            subject_id=subject_id,
            issued_at=issued_at,
            expires_at=expires_at,
            fingerprint=fingerprint,
            session_id=session_id,
        ),
        expires=expires,
        not_before=not_before,
    )


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- tokens of an OpenID Connect provider --------------------------------------------------

# The key types each algorithm family signs with: a JWKS entry of another type is never used.
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
# Clock skew allowed between the provider and this server, on exp and nbf.
PROVIDER_LEEWAY_SECONDS = 60


def unverified_header(token: str) -> dict[str, Any]:
    """The token's header, unchecked: only to choose how to check it."""
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(header, dict):
        raise InvalidToken("malformed header")
    return header


def unverified_issuer(token: str) -> str | None:
    """The `iss` the token claims, unchecked: only to choose which issuer's rules check it."""
    try:
        claims = jwt.get_unverified_claims(token)
    except JWTError:
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def decode_provider_token(
    token: str,
    *,
    key: dict[str, Any],
    algorithms: list[str],
    issuer: str,
    audience: str,
) -> dict[str, Any]:
    """Verify a provider's token against one of its published keys (a JWK): the algorithm is
    one of `algorithms` (asymmetric, checked by the settings) and fits the key's type, and the
    signature, issuer, audience, expiry and not-before hold. Returns the claims."""
    header = unverified_header(token)
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in algorithms:
        raise InvalidToken("unexpected algorithm")
    if key.get("kty") != _KEY_TYPES.get(algorithm[:2]):
        raise InvalidToken("the key does not sign with that algorithm")
    if key.get("alg") not in (None, algorithm) or key.get("use") not in (None, "sig"):
        raise InvalidToken("the key is not for that algorithm")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            options={
                "require_exp": True,
                "require_iss": True,
                "require_aud": True,
                "verify_at_hash": False,
                "leeway": PROVIDER_LEEWAY_SECONDS,
            },
        )
    except (JWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(claims, dict):
        raise InvalidToken("malformed claims")
    return claims


# --- refresh tokens ------------------------------------------------------------------------


def new_refresh_token() -> str:
    """An opaque refresh token: 256 random bits; only its digest is stored."""
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """What is stored of a refresh token: a leaked table gives no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()
