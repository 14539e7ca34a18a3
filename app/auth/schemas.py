from __future__ import annotations

from app.core.schemas import ResponseSchema


class TokenResponse(ResponseSchema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
