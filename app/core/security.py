"""Tokens and password hashes: the only module that touches python-jose and pwdlib."""

from __future__ import annotations

import hashlib
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
) -> tuple[str, int]:
    """Sign an access token; returns it with its lifetime in seconds. `fingerprint` is the
    `credential_fingerprint` of the credential it is issued against, if any."""
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
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def decode_access_token(token: str, *, secret_key: str, issuer: str) -> TokenClaims:
    """Verify signature, algorithm, issuer and expiry; raise InvalidToken otherwise."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise InvalidToken("unexpected algorithm")
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=ALLOWED_ALGORITHMS,
            issuer=issuer,
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
        kind = SubjectKind(claims["typ"])
        subject_id = uuid.UUID(claims["sub"])
        fingerprint = claims.get(FINGERPRINT_CLAIM)
        if fingerprint is not None and not isinstance(fingerprint, str):
            raise InvalidToken("malformed credential fingerprint")
    except (JWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc

    return TokenClaims(
        subject_kind=kind,
        subject_id=subject_id,
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        fingerprint=fingerprint,
    )
