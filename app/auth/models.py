from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin


class LoginFailure(IdMixin, Base):
    """A failed sign-in, counted per account and per client address to throttle guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_failed_at", "key", "failed_at"),)

    key: Mapped[str] = mapped_column(String(400))
    failed_at: Mapped[datetime]


class RefreshToken(IdMixin, Base):
    """One refresh token of a person's sign-in (its family: every token since the password
    grant). Only a digest is kept. A token is used once; presenting a used one again means it
    was copied, and revokes the family, with the access tokens issued from it."""

    __tablename__ = "refresh_token"

    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The password's fingerprint at the sign-in: a new password ends the family.
    fingerprint: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
