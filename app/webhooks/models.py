"""Webhook subscriptions: a URL, the events it wants, and the secret its calls are signed with."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin


class Webhook(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "webhook"

    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    # The signing key (whsec_ + base64): needed in the clear to sign, shown to the admin once.
    secret: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[uuid.UUID | None]
    deleted_at: Mapped[datetime | None]
