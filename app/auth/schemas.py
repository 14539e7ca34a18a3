from __future__ import annotations

from pydantic import Field

from app.core.schemas import ResponseSchema


class TokenResponse(ResponseSchema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    refresh_token: str | None = Field(
        default=None,
        description="A person's: exchange it at POST /auth/token (grant_type=refresh_token) "
        "for a new pair; each works once, and using one twice ends the sign-in",
    )
