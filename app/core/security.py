"""Tokens and password hashes: the only module that touches python-jose and pwdlib."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ALGORITHM = "HS256"
# Always an explicit list, so a token that names another algorithm (or "none") is refused.
ALLOWED_ALGORITHMS = [ALGORITHM]

_password_hash = PasswordHash((Argon2Hasher(),))
# Verified against when the account is unknown, so both answers take the same time.
_DUMMY_HASH = _password_hash.hash("not-a-real-password-" + uuid.uuid4().hex)


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


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash, spend the same time and fail."""
    if password_hash is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return _password_hash.verify(password, password_hash)


def create_access_token(
    *,
    subject_kind: SubjectKind,
    subject_id: uuid.UUID,
    secret_key: str,
    lifetime: timedelta,
    issuer: str,
) -> tuple[str, int]:
    """Sign an access token; returns it with its lifetime in seconds."""
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
    except (JWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc

    return TokenClaims(
        subject_kind=kind,
        subject_id=subject_id,
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )
