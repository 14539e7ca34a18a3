from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, IdMixin, TimestampMixin, VersionedMixin
from app.org.models import OrgUnit

api_client_org_unit = Table(
    "api_client_org_unit",
    Base.metadata,
    Column("api_client_id", ForeignKey("api_client.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_unit.id", ondelete="RESTRICT"), primary_key=True),
)


class ApiClient(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A machine client (another council system) that signs in with client credentials."""

    __tablename__ = "api_client"

    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    org_units: Mapped[list[OrgUnit]] = relationship(secondary=api_client_org_unit, lazy="raise")
